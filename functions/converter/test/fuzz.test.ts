/**
 * Payloads of every format with a value somewhere replaced at random (a fixed seed, so a failure can be
 * replayed): the converter gives a reading the validator can take, or refuses it with a 4xx (422 goes
 * to the dead-letter sink). Never a 500, which the Broker would retry as if the converter were down,
 * and never a NaN or an undefined, which JSON would turn into null or drop without a word.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { encode as cbor } from 'cbor';
import { KiotError, normalizedProblem } from '@kiot/core';
import { convert, type RawInput } from '../src/formats';
import { reference } from '../../../test/support/reference';
import { integers } from '../../../test/support/seeded';

const T = '2026-01-01T00:00:00.000Z';
const lorawan = (name: string): unknown => JSON.parse(readFileSync(reference('fixtures/lorawan', name), 'utf8'));
const SEEDS: { mediaType: string; data: unknown; codecs?: RawInput['codecs'] }[] = [
  { mediaType: 'application/json', data: lorawan('theThingsStack.uplink.json'), codecs: { '*': 'lpp' } },
  { mediaType: 'application/json', data: lorawan('chirpStackV4.uplink.json'), codecs: { '*': 'raw-hex' } },
  { mediaType: 'application/senml+json', data: [{ bn: 'd1/', bt: 1.32e9, bu: '%RH', n: 'humidity', v: 20 }, { n: 'on', vb: true }, { n: 'mode', vs: 'eco' }, { n: 'energy', s: 5, t: -10 }] },
  { mediaType: 'application/json', data: { temperature: 21.5, humidity: 40, time: '2026-01-01T00:00:00Z', nested: { a: 1, b: [1, 2] }, label: 'x' } },
  { mediaType: 'application/json', data: [{ temperature: 1, time: 1767225600 }, { temperature: 2 }] },
];
const VALUES: unknown[] = [null, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, '', 'x', 'NaN', '1e999', '2026-13-45T99:99:99Z', true, false, [], {}, [1, 'a', null], { a: { b: null } }, 'a'.repeat(300), 'AQID', '\u0000', -1e-320];

/** Every place in a JSON value, as the path of keys to it. */
function places(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [path];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [path, ...keys.flatMap((k) => places((v as Record<string | number, unknown>)[k], [...path, k]))];
}

/** A copy of `v` with the value at `path` replaced, or its key removed when `value` is undefined. */
function replaced(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  const [head, ...rest] = path;
  if (rest.length === 0 && value === undefined) delete copy[head!];
  else copy[head!] = replaced(copy[head!], rest, value);
  return copy;
}

/** Where `v` holds what JSON would turn into null or drop (NaN, ±Infinity, undefined) or cannot carry at all; undefined if nowhere. */
function notJson(v: unknown, path = '$'): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path} is ${v}`;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (Array.isArray(v)) return v.map((x, i) => notJson(x, `${path}[${i}]`)).find((p) => p !== undefined);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.entries(v).map(([k, x]) => notJson(x, `${path}.${k}`)).find((p) => p !== undefined);
  return `${path} is ${typeof v === 'object' ? Object.prototype.toString.call(v) : typeof v}`;
}

describe('converter against payloads with values replaced at random', () => {
  it('converts each of 6,000 into a valid reading or refuses it with a 4xx, never a 500, never a NaN', () => {
    const next = integers(20261128);
    const converted = SEEDS.map(() => 0);
    let refused = 0;
    for (let round = 0; round < 6000; round++) {
      const seed = SEEDS[round % SEEDS.length]!;
      let data = seed.data;
      const changes: string[] = [];
      for (let k = 1 + next(3); k > 0; k--) {
        const all = places(data);
        const path = all[next(all.length)]!;
        const value = next(8) === 0 ? undefined : VALUES[next(VALUES.length)];
        data = replaced(data, path, value);
        changes.push(`${path.join('.')} = ${JSON.stringify(value)}`);
      }
      // Some go as bytes, as a device would send them: JSON text, or CBOR for the binary codecs.
      const asBytes = next(4) === 0;
      const input: RawInput = asBytes
        ? { mediaType: 'application/octet-stream', data: next(2) === 0 ? Buffer.from(JSON.stringify(data) ?? '') : cbor(data), time: T, application: 'demo', channel: 'c', codecs: { '*': next(2) === 0 ? 'json' : 'cbor' } }
        : { mediaType: seed.mediaType, data, time: T, application: 'demo', channel: 'c', codecs: seed.codecs ?? {} };
      const what = `round ${round} (${input.mediaType}): ${changes.join('; ')}`;
      let out;
      try {
        out = convert(input).normalized;
      } catch (err) {
        assert.ok(err instanceof KiotError && err.status >= 400 && err.status < 500, `${what}: ${(err as Error).name}: ${(err as Error).message}`);
        refused++;
        continue;
      }
      assert.equal(normalizedProblem(out), undefined, `${what}: ${normalizedProblem(out)}`);
      assert.equal(notJson(out), undefined, `${what}: ${notJson(out)}`);
      if (!asBytes) converted[round % SEEDS.length]!++;
    }
    // Each format gave readings, so the mutations reached past its first checks.
    assert.ok(converted.every((n) => n > 100) && refused > 600, JSON.stringify({ converted, refused }));
  });
});
