/**
 * Kafka-direct's fast path writes exactly what the general path writes, byte for byte, for every
 * value it takes; it declines whatever it cannot write so (and the general path then answers, a 422
 * included). Generated cases cover both sides of each rule; a deterministic generator names a failing case.
 */
import { strict as assert } from 'node:assert';
import { EVENT_TYPES } from '@kiot/core';
import { parseConfig, type Mapping } from '../src/config';
import { eventLines, identityOf } from '../src/event-lines';
import { canonicalLines } from '../src/kafka/canonical-lines';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const mappingOf = (env: Record<string, string> = {}): Mapping => parseConfig({ INFLUX_URL: 'http://x', INFLUX_BUCKET: 'b', ...env }).mapping;
const event = { type: EVENT_TYPES.validated, subject: 'temperature', application: 'demo', device: 'd1', site: 'roof' };

/** The general path's bytes for this data, or 'refused' (not JSON, or a 422). */
function general(json: string, mapping: Mapping): string {
  try {
    const lines = eventLines({ ...event, data: JSON.parse(json) as unknown }, mapping);
    return `${lines.join('\n')}\n`;
  } catch {
    return 'refused';
  }
}

function fast(json: string, mapping: Mapping): string | undefined {
  const id = identityOf(event);
  const r = canonicalLines(Buffer.from(json), id, mapping);
  if (r !== undefined) assert.equal(r.lines, r.text.split('\n').length - 1, 'line count');
  return r?.text;
}

/** Asserts the rule for one value; true when the fast path took it. */
function check(json: string, mapping: Mapping): boolean {
  const f = fast(json, mapping);
  if (f === undefined) return false;
  assert.equal(f, general(json, mapping), json);
  return true;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const NUMBERS = [0, 1, -1, 21.5, -0.25, 0.1 + 0.2, 1 / 3, 1e-6, 1.5e-6, 9.9e-7, 1e-7, -1e-7, 123456789012345, 1234567890123456, 2 ** 53, 2 ** 60, 1e21, 1e20, -0, 100, 1e15, 0.000123];
const NUMBER_TEXTS = ['1.0', '1.50', '1e2', '1E-3', '-0', '-0.0', '01', '1.', '.5', '+1', '1e400', '-1e400', '12345678901234567890', '0.0000001', '0.000001', '-0.000001', '1e+2', '--1', '1..2', '0x10', 'NaN', 'Infinity'];
const KEYS = ['temperature', 'humidity', 'a', 'b', 'a.b', 'x-y', 'under_score', 'Z9', '', 'with space', 'com,ma', 'eq=ual', 'quo"te', 'back\\slash', 'ünï', 'tab\t', '0', '10', '2', 'urn:dev:1:x', '~!@#$%^&*()[]{}|;<>?/`'];
const STRINGS = ['', 'ok', 'two words', 'quo"te', 'back\\slash', 'new\nline', 'ünïcödé', '\u0001', '\u007f', 'comma,equals=', '😀'];

const GOOD_KEYS = ['temperature', 'humidity', 'a', 'b', 'a.b', 'x-y', 'under_score', 'Z9', '0', '10', '2', 'urn:dev:1:temperature', '%RH', 'a/b'];
const GOOD_STRINGS = ['', 'ok', 'two words', 'comma,equals='];

function value(r: () => number, wild: boolean): unknown {
  if (!wild) return pick(r, [() => pick(r, NUMBERS), () => r() < 0.5, () => pick(r, GOOD_STRINGS), () => Math.round(r() * 1e6) / 100, () => r() * 1e4])();
  const k = r();
  if (k < 0.45) return pick(r, NUMBERS);
  if (k < 0.55) return r() < 0.5;
  if (k < 0.7) return pick(r, STRINGS);
  if (k < 0.75) return null;
  if (k < 0.8) return { inner: pick(r, NUMBERS) };
  if (k < 0.83) return [1, 2];
  return Math.round(r() * 1e6) / 100;
}

function time(r: () => number, wild: boolean): string {
  const k = r();
  const iso = new Date(Math.floor(r() * 4e12) - 5e11).toISOString();
  if (!wild || k < 0.7) return iso;
  return pick(r, [iso.replace('.', ',').replace('Z', ''), iso.replace('Z', '+02:00'), '2026-13-01T00:00:00Z', 'yesterday', iso.slice(0, 19) + 'Z', iso.replace(/\.\d+Z/, '.123456789Z'), 'ünï', '2026-02-30T00:00:00Z', '\\u0032026-01-01T00:00:00Z']);
}

/** A value as the validator writes it, most of the time; otherwise with one of the forms the fast path must decline or read right. */
function document(r: () => number): string {
  // Half as the validator writes its values, half with any key, value and time.
  const wild = r() < 0.5;
  const records = Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
    const values: Record<string, unknown> = {};
    const n = wild ? Math.floor(r() * 4) : 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) values[pick(r, wild ? KEYS : GOOD_KEYS)] = value(r, wild);
    return { time: time(r, wild), values };
  });
  // The converter writes records oldest first, one per time; wild documents keep any order.
  if (!wild) records.sort((a, b) => a.time.localeCompare(b.time));
  const k = r();
  const doc: Record<string, unknown> = k < 0.05 ? { records, meta: { site: 'cellar' } } : k < 0.08 ? { meta: {}, records } : { records };
  let json = k > 0.95 ? JSON.stringify(doc, null, 1) : JSON.stringify(doc);
  if (r() < 0.15) {
    // A number written otherwise than JSON.stringify writes it, in place of one it wrote.
    json = json.replace(/(":)(-?\d[\d.e+-]*)([,}])/, (_m, a: string, _n: string, b: string) => `${a}${pick(r, NUMBER_TEXTS)}${b}`);
  }
  if (r() < 0.03) json = json.replace(/"values":\{"([^"]*)":/, '"values":{"$1":1,"$1":'); // a repeated key
  if (r() < 0.03) json += pick(r, [' ', '\n', 'x', ',']);
  if (r() < 0.02) json = json.slice(0, Math.floor(r() * json.length));
  return json;
}

describe('canonical lines (the Kafka-direct fast path)', () => {
  it('writes byte for byte what the general path writes, for every generated value it takes', () => {
    const mappings = [mappingOf(), mappingOf({ WRITER_TAGS: 'site', WRITER_MEASUREMENTS: 'demo/temperature=env' })];
    const r = random(7);
    let taken = 0;
    let refusedByGeneral = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const json = document(r);
      const mapping = mappings[i % 2]!;
      if (check(json, mapping)) taken++;
      else if (general(json, mapping) === 'refused') refusedByGeneral++;
    }
    // Both sides were met: values taken, and values the general path refuses (which the fast path must decline).
    assert.ok(taken > n * 0.15, `the fast path took ${taken} of ${n}`);
    assert.ok(refusedByGeneral > n * 0.05, `the general path refused ${refusedByGeneral} of ${n}`);
  });

  it('takes what the validator writes: flat numbers, booleans and plain strings under canonical times', () => {
    const mapping = mappingOf();
    const r = random(8);
    for (let i = 0; i < 2000; i++) {
      const records = Array.from({ length: 1 + Math.floor(r() * 50) }, (_, j) => ({
        time: new Date(1_780_272_000_000 + i * 60_000 + j * 1000 + Math.floor(r() * 1000)).toISOString(),
        values: { temperature: Math.round(r() * 4000 - 2000) / 100, humidity: r() * 100, ok: r() < 0.5, state: pick(r, ['idle', 'run', '']), ...(r() < 0.5 ? { count: Math.floor(r() * 1e9) } : {}) },
      }));
      assert.ok(check(JSON.stringify({ records }), mapping), JSON.stringify(records[0]));
    }
  });

  it('declines what it cannot write as the general path does', () => {
    const mapping = mappingOf();
    const t = '2026-06-01T00:00:00.000Z';
    const declined = [
      `{"records":[{"time":"${t}","values":{"a":{"b":1}}}]}`, // nested: the general path joins keys
      `{"records":[{"time":"${t}","values":{"a":null}}]}`,
      `{"records":[{"time":"${t}","values":{}}]}`, // no fields: a 422
      `{"records":[]}`,
      `{"records":[{"time":"${t}","values":{"a":1}}],"meta":{"site":"x"}}`, // meta can name tags
      `{"records":[{"time":"1969-12-31T23:59:59.000Z","values":{"a":1}}]}`, // before 1970: written through BigInt
      `{"records":[{"time":"${t}","values":{"a":"\\u0041"}}]}`, // an escape
      `{"records":[{"time":"${t}","values":{"a":1e400}}]}`, // not finite: a 422
      `{"records":[{"time":"${t}","values":{"a":1,"a":2}}]}`, // JSON.parse keeps the last
      `{"records":[{"values":{"a":1},"time":"${t}"}]}`, // another key order
      `{"records":[{"time":"${t}","values":{"a":1}}]} `,
      // Two records in one millisecond (sub-millisecond times), or out of order: the general path checks what InfluxDB would overwrite.
      `{"records":[{"time":"2026-06-01T00:00:00.000100Z","values":{"a":1}},{"time":"2026-06-01T00:00:00.000200Z","values":{"a":2}}]}`,
      `{"records":[{"time":"2026-06-01T00:00:01.000Z","values":{"a":1}},{"time":"${t}","values":{"a":2}}]}`,
      `{"records":[{"time":"${t}","values":{"time":"morning","a":1}}]}`, // a key InfluxDB reserves: the general path's 422
      `{"records":[{"time":"${t}","values":{"${'f'.repeat(16_373)}":1}}]}`, // too long for VictoriaMetrics to keep whole: the general path's 422
    ];
    for (const json of declined) assert.equal(fast(json, mapping), undefined, json.slice(0, 120));
    // A long name it writes only while it surely fits (names.ts); longer ones it leaves to the general path, which writes one that fits and refuses one past it.
    const named = (length: number): string => `{"records":[{"time":"${t}","values":{"${'f'.repeat(length)}":1}}]}`;
    assert.ok(check(named(5_000), mapping));
    for (const [length, written] of [[6_000, true], [16_372, true], [16_373, false]] as const) {
      assert.equal(fast(named(length), mapping), undefined, `${length}`);
      assert.equal(general(named(length), mapping) !== 'refused', written, `${length}`);
    }
    // Settings it does not follow: it declines even what it would otherwise take.
    const plain = `{"records":[{"time":"${t}","values":{"a":1}}]}`;
    assert.ok(fast(plain, mapping) !== undefined);
    for (const env of [{ INFLUX_PRECISION: 'ns' }, { WRITER_INTEGER_FIELDS: 'a' }, { WRITER_FIELDS: 'a' }] as Record<string, string>[]) assert.equal(fast(plain, mappingOf(env)), undefined, JSON.stringify(env));
  });

  it('reads numbers into what JSON.parse reads and writes them as String() writes them', () => {
    const mapping = mappingOf();
    for (const [text, written] of [['1.0', '1'], ['1.50', '1.5'], ['1e2', '100'], ['1E-3', '0.001'], ['-0', '0'], ['0.0000001', '1e-7'], ['12345678901234567890', '12345678901234567000'], ['0.30000000000000004', '0.30000000000000004']] as const) {
      const json = `{"records":[{"time":"2026-06-01T00:00:00.000Z","values":{"a":${text}}}]}`;
      assert.equal(fast(json, mapping), `temperature,application=demo,channel=temperature,device=d1 a=${written} 1780272000000\n`, text);
      assert.equal(fast(json, mapping), general(json, mapping));
    }
  });
});
