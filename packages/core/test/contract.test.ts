import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NotJson } from '../src';
import { ATTRIBUTES, ERRORS, EVENT_TYPES, EXTENSION_NAME, MAX_NESTING, parseJsonBytes, STATUS_RULES, TOO_DEEP, TYPE_CONTRACTS } from '../src';

const doc = readFileSync(join(__dirname, '../../../docs/events.md'), 'utf8');

/** The rows of the markdown table that follows a heading, cells trimmed and unquoted. */
function table(heading: string): string[][] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/events.md has no "## ${heading}" section`);
  const lines = doc.slice(start).split('\n').slice(2);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')));
  }
  return rows;
}

describe('event contract: packages/core/src/events.ts and docs/events.md agree', () => {
  it('lists the same types with the same producers, consumers and data', () => {
    assert.deepEqual(table('Types'), TYPE_CONTRACTS.map((t) => [t.type, t.producer, t.consumers.join(', '), t.data]));
    assert.deepEqual(TYPE_CONTRACTS.map((t) => t.type), Object.values(EVENT_TYPES));
  });

  it('never lets a producer consume its own type', () => {
    for (const t of TYPE_CONTRACTS) for (const p of t.producer.split(', ')) assert.ok(!t.consumers.includes(p), `${p} consumes ${t.type}, which it emits`);
  });

  it('lists the same attributes and extensions, with valid extension names', () => {
    const rows = table('Attributes and extensions').slice(0, ATTRIBUTES.length);
    assert.deepEqual(rows, ATTRIBUTES.map((a) => [a.name, a.kind, a.rule]));
    for (const a of ATTRIBUTES.filter((x) => x.kind === 'extension')) assert.match(a.name, EXTENSION_NAME);
  });

  it('documents the same status rules', () => {
    assert.deepEqual(table('Status rules behind a Knative Broker'), STATUS_RULES.map((s) => [s.status, s.meaning, s.broker]));
  });

  it('states the encoding JSON data must have, in the words of its refusal', () => {
    const latin1 = (() => {
      try {
        parseJsonBytes(Buffer.from('{"a":"\xe9"}', 'latin1'));
      } catch (err) {
        return err as NotJson;
      }
      throw new Error('Latin-1 was parsed');
    })();
    assert.ok(doc.includes(`\`… ${latin1.text}\``), `docs/events.md quotes "${latin1.text}"`);
    assert.ok(doc.includes(`\`json: ${latin1.short}\``), `docs/events.md names the reason json: ${latin1.short}`);
  });

  it('states the nesting limit every stage holds data to, in the words of its refusal', () => {
    assert.match(doc, new RegExp(`- Nesting: data nests at most ${MAX_NESTING} levels of objects and arrays`));
    assert.ok(doc.includes(`\`data ${TOO_DEEP}\``), `docs/events.md quotes the refusal "data ${TOO_DEEP}"`);
  });

  it('documents every error of the catalogue, and no other', () => {
    assert.deepEqual(table('Errors'), Object.entries(ERRORS).map(([name, e]) => [name, String(e.status), e.retried ? 'yes' : 'no', e.doc]));
  });
});
