/** Plain JSON readings: their own times, merged when they share one, refused when they would overwrite each other. */
import { strict as assert } from 'node:assert';
import { fromJson } from '../src/json';

const T = '2026-01-01T00:00:00.000Z';

describe('converter: plain JSON readings', () => {
  const cases: [string, unknown, unknown][] = [
    ['an object is one reading at the event time', { temperature: 21.5 }, [{ time: T, values: { temperature: 21.5 } }]],
    ['readings without times of their own share the event time, merged into one point', [{ temperature: 21.5 }, { humidity: 40 }], [{ time: T, values: { temperature: 21.5, humidity: 40 } }]],
    ['a reading with its own time (RFC 3339, any offset) keeps it, and the time is no value', [{ time: '2026-01-01T00:00:10Z', t: 1 }, { timestamp: '2026-01-01T02:00:20+02:00', t: 2 }], [{ time: '2026-01-01T00:00:10.000Z', values: { t: 1 } }, { time: '2026-01-01T00:00:20.000Z', values: { t: 2 } }]],
    ['ts in epoch milliseconds, and ThingsBoard\'s {ts, values} form', [{ ts: 1767225605000, t: 1 }, { ts: 1767225606000, values: { t: 2, ok: true } }], [{ time: '2026-01-01T00:00:05.000Z', values: { t: 1 } }, { time: '2026-01-01T00:00:06.000Z', values: { t: 2, ok: true } }]],
    ['a time that is not one stays a value, and the reading takes the event time', { time: 'morning', t: 1 }, [{ time: T, values: { time: 'morning', t: 1 } }]],
    ['a ts that is no epoch in milliseconds stays a value', { ts: 42, t: 1 }, [{ time: T, values: { ts: 42, t: 1 } }]],
    ['times a fraction of a millisecond apart stay apart, to the nanosecond given, in UTC', [{ time: '2026-01-01T00:00:00.0001Z', v: 1 }, { time: '2026-01-01T02:00:00.000200300+02:00', v: 2 }], [{ time: '2026-01-01T00:00:00.000100Z', values: { v: 1 } }, { time: '2026-01-01T00:00:00.000200300Z', values: { v: 2 } }]],
    ['a date the calendar does not have is no time (Date.parse would read February 30 as March 2): it stays a value', [{ time: '2026-02-30T00:00:00Z', t: 1 }, { timestamp: '2026-01-31T24:00:00Z', h: 2 }], [{ time: T, values: { time: '2026-02-30T00:00:00Z', t: 1, timestamp: '2026-01-31T24:00:00Z', h: 2 } }]],
    ['the same value twice at one time is no conflict', [{ time: T, t: 1 }, { time: T, t: 1, h: 2 }], [{ time: T, values: { t: 1, h: 2 } }]],
  ];
  for (const [name, data, records] of cases) it(name, () => assert.deepEqual(fromJson(data, T).records, records));

  it('refuses (422) readings that give one key two values at one time, rather than store one of them', () => {
    for (const data of [[{ a: 1 }, { a: 2 }], [{ time: '2026-01-01T00:00:10Z', a: 1 }, { ts: 1767225610000, a: 2 }]]) {
      assert.throws(() => fromJson(data, T), (e: { status?: number; headers?: Record<string, string>; message?: string }) =>
        e.status === 422 && e.headers?.['kne-reason'] === 'json: readings overwrite each other' && /readings 0 and 1 both give "a"/.test(e.message ?? ''));
    }
  });

  it('takes a bare number, boolean or string as one reading named after the channel, as MQTT devices publish values', () => {
    assert.deepEqual(fromJson(21.5, T, 'temperature').records, [{ time: T, values: { temperature: 21.5 } }]);
    assert.deepEqual(fromJson(true, T, 'door').records, [{ time: T, values: { door: true } }]);
    assert.deepEqual(fromJson('open', T, 'door').records, [{ time: T, values: { door: 'open' } }]);
    assert.deepEqual(fromJson(0, T).records, [{ time: T, values: { value: 0 } }], 'no channel: value');
  });

  it('refuses (422) what is no reading: null, an empty array, an array of bare values', () => {
    for (const data of [[], [1], null, [{ t: 1 }, 2]]) assert.throws(() => fromJson(data, T, 'c'), (e: { status?: number; headers?: Record<string, string> }) => e.status === 422 && e.headers?.['kne-reason'] === 'json: not a reading', JSON.stringify(data));
  });
});
