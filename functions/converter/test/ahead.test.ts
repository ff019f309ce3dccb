/** Readings stamped after their event was received: refused past CONVERTER_MAX_AHEAD_SECONDS, taken up to it, and from any past. */
import { strict as assert } from 'node:assert';
import { refuseAhead } from '../src/ahead';
import { parseConfig } from '../src/config';
import { convert } from '../src/formats';

const RECEIVED = '2026-06-01T12:00:00.000Z';
const at = (offsetMs: number): string => new Date(Date.parse(RECEIVED) + offsetMs).toISOString();
const records = (...times: string[]) => times.map((time) => ({ time, values: { t: 1 } }));
const DAY = 86_400_000;

describe('readings stamped ahead of their receipt', () => {
  const cases: [string, string[], number, boolean][] = [
    ['a reading at its receipt', [RECEIVED], 86_400, true],
    ['a reading a day ahead, the default most', [at(DAY)], 86_400, true],
    ['a reading a day and a millisecond ahead', [at(DAY + 1)], 86_400, false],
    ['a device backlog: readings from years before', ['2000-01-01T00:00:00.000Z', '2020-05-05T05:05:05.000Z'], 86_400, true],
    ['a pack whose newest (last) reading runs 10 years ahead', [RECEIVED, at(3650 * DAY)], 86_400, false],
    ['a reading a microsecond ahead, with no time ahead allowed', ['2026-06-01T12:00:00.001000Z'], 0, false],
    ['a reading at its receipt, with no time ahead allowed', ['2026-06-01T12:00:00.000000Z'], 0, true],
  ];
  for (const [name, times, max, taken] of cases) {
    it(`${name} (CONVERTER_MAX_AHEAD_SECONDS=${max}): ${taken ? 'taken' : '422'}`, () => {
      if (taken) refuseAhead(records(...times), RECEIVED, max);
      else assert.throws(() => refuseAhead(records(...times), RECEIVED, max), (e: { status?: number }) => e.status === 422);
    });
  }

  it('names both times, how far apart they are, and the setting', () => {
    assert.throws(() => refuseAhead(records(RECEIVED, at(3 * DAY)), RECEIVED, 86_400), (e: { message?: string; headers?: Record<string, string> }) =>
      e.message === `record 1: its time ${at(3 * DAY)} is 3.0 days after the event's own ${RECEIVED}, more than CONVERTER_MAX_AHEAD_SECONDS=86400: a device clock running ahead?` && e.headers?.['kne-reason'] === 'time ahead of receipt');
    assert.throws(() => refuseAhead(records(at(90_000)), RECEIVED, 60), (e: { message?: string }) => /is 90 s after/.test(e.message ?? ''));
  });

  it('compares the time the converter gives each reading: a JSON time, SenML\'s, and the event\'s own for a reading with none', () => {
    const converted = (data: unknown, mediaType = 'application/json') => convert({ mediaType, data, time: RECEIVED, application: 'demo', channel: 'c', codecs: {} }).normalized.records;
    assert.throws(() => refuseAhead(converted({ t: 1, time: '2036-06-01T00:00:00Z' }), RECEIVED, 86_400), /2036-06-01T00:00:00.000Z is 3652.5 days after/);
    assert.throws(() => refuseAhead(converted([{ n: 't', v: 1, bt: Date.parse('2030-01-01T00:00:00Z') / 1000 }], 'application/senml+json'), RECEIVED, 86_400), /2030-01-01T00:00:00.000Z/);
    refuseAhead(converted({ t: 1 }), RECEIVED, 0);
  });

  it('is one setting, a day by default, any whole number of seconds from 0', () => {
    assert.equal(parseConfig({}).maxAheadSeconds, 86_400);
    assert.equal(parseConfig({ CONVERTER_MAX_AHEAD_SECONDS: '0' }).maxAheadSeconds, 0);
    assert.throws(() => parseConfig({ CONVERTER_MAX_AHEAD_SECONDS: '-1' }), /CONVERTER_MAX_AHEAD_SECONDS must be an integer from 0/);
    assert.throws(() => parseConfig({ CONVERTER_MAX_AHEAD_SECONDS: '1d' }), /CONVERTER_MAX_AHEAD_SECONDS/);
  });
});
