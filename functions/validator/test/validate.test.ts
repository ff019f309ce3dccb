import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { loadSchemas, SchemaError } from '../src/schemas';
import { judge } from '../src/validate';

const schemas = loadSchemas(join(__dirname, '../schemas'), {});
const rec = (values: Record<string, unknown>) => ({ records: [{ time: '2026-01-01T00:00:00Z', values }] });

describe('validator decisions', () => {
  const cases: { name: string; data: unknown; channel: string; kind: 'valid' | 'invalid'; errors?: { instancePath: string; keyword: string }[] }[] = [
    { name: 'a number temperature', data: rec({ temperature: 21.5 }), channel: 'temperature', kind: 'valid' },
    { name: 'an integer-valued temperature (number covers both)', data: rec({ temperature: 21 }), channel: 'temperature', kind: 'valid' },
    { name: 'a string temperature', data: rec({ temperature: 'hot' }), channel: 'temperature', kind: 'invalid', errors: [{ instancePath: '/temperature', keyword: 'type' }] },
    { name: 'no temperature', data: rec({ humidity: 40 }), channel: 'temperature', kind: 'invalid', errors: [{ instancePath: '', keyword: 'required' }] },
    { name: 'below absolute zero', data: rec({ temperature: -300 }), channel: 'temperature', kind: 'invalid', errors: [{ instancePath: '/temperature', keyword: 'minimum' }] },
    { name: 'a channel without schema (pass by default)', data: rec({ anything: 1 }), channel: 'misc', kind: 'valid' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = judge(c.data, { channel: c.channel }, schemas, 'pass');
      assert.equal(v.kind, c.kind);
      if (v.kind === 'invalid') assert.deepEqual(v.errors.map((e) => ({ instancePath: e.instancePath, keyword: e.keyword })), c.errors);
    });
  }

  it('rejects an event without a schema when configured to', () => {
    const v = judge(rec({ a: 1 }), { channel: 'misc' }, schemas, 'reject');
    assert.equal(v.kind, 'invalid');
  });

  it('chooses the schema by dataschema before the channel', () => {
    const v = judge(rec({ temperature: 'x' }), { channel: 'misc', dataschema: 'https://schemas.kiot.io/telemetry/temperature/v1' }, schemas, 'pass');
    assert.equal(v.kind, 'invalid');
  });

  it('answers 422 for data that is not in the normalized form', () => {
    assert.throws(() => judge({ temperature: 1 }, { channel: 'temperature' }, schemas, 'pass'), (e: { status?: number }) => e.status === 422);
  });

  it('answers 422 naming the nesting for values nested thousands deep, which its reply could not write out', () => {
    const deep: unknown = JSON.parse(`${'['.repeat(6000)}${']'.repeat(6000)}`);
    const data = { records: [{ time: '2026-01-01T00:00:00Z', values: { temperature: 1, x: deep } }] };
    assert.throws(() => judge(data, { channel: 'other' }, schemas, 'pass'), (e: { status?: number; message?: string }) => e.status === 422 && /^not normalized data: data nests deeper than 64 levels/.test(e.message ?? ''));
  });

  it('takes the input types it is configured with (a step inserted before it), never one it emits', () => {
    assert.deepEqual(parseConfig({}).inputTypes, ['io.kiot.telemetry.converted.v1']);
    assert.deepEqual(parseConfig({ VALIDATOR_INPUT_TYPES: 'io.kiot.telemetry.enriched.v1' }).inputTypes, ['io.kiot.telemetry.enriched.v1']);
    assert.throws(() => parseConfig({ VALIDATOR_INPUT_TYPES: 'io.kiot.telemetry.validated.v1' }), /a type this stage emits; accepting it would loop/);
    assert.throws(() => parseConfig({ VALIDATOR_INPUT_TYPES: 'Not A Type' }), /not a reverse-DNS event type/);
  });

  it('stops the start with a clear message for a bad schema or a mapping to an unknown $id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiot-schemas-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ $id: 'urn:x', type: 'object', properties: { a: { type: 'nope' } } }));
    assert.throws(() => loadSchemas(dir, {}), (e: Error) => e instanceof SchemaError && /bad\.json is invalid/.test(e.message));
    assert.throws(() => loadSchemas(join(__dirname, '../schemas'), { misc: 'urn:missing' }), /no schema .* has that \$id/);
    assert.throws(() => parseConfig({ VALIDATOR_NO_SCHEMA: 'maybe', VALIDATOR_SCHEMA_MAP: 'oops' }), /VALIDATOR_NO_SCHEMA[\s\S]*VALIDATOR_SCHEMA_MAP/);
  });
});
