import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { convert, type RawInput } from '../src/formats';
import { fromSenml } from '../src/senml';
import { reference } from '../../../test/support/reference';

const fixture = (name: string): unknown => JSON.parse(readFileSync(reference('fixtures/lorawan', name), 'utf8'));
const T = '2026-01-01T00:00:00.000Z';
const input = (i: { mediaType: string; data: unknown; time?: string }, codecs: RawInput['codecs'] = {}): RawInput => ({ time: T, application: 'demo', channel: 'uplink', codecs, ...i });

describe('converter formats', () => {
  describe('SenML (RFC 8428)', () => {
    const cases: { name: string; pack: unknown; records: { time: string; values: Record<string, unknown> }[] }[] = [
      {
        name: 'base name, base time and base unit carry over; one record per timestamp',
        pack: [{ bn: 'urn:dev:ow:10e2073a01080063:', bt: 1.320067464e9, bu: '%RH', v: 20, n: 'humidity' }, { u: 'lon', n: 'voltage', v: 120.1 }, { n: 'humidity', t: 60, v: 20.3 }],
        records: [
          { time: '2011-10-31T13:24:24.000Z', values: { 'urn:dev:ow:10e2073a01080063:humidity': 20, 'urn:dev:ow:10e2073a01080063:humidity.unit': '%RH', 'urn:dev:ow:10e2073a01080063:voltage': 120.1, 'urn:dev:ow:10e2073a01080063:voltage.unit': 'lon' } },
          { time: '2011-10-31T13:25:24.000Z', values: { 'urn:dev:ow:10e2073a01080063:humidity': 20.3, 'urn:dev:ow:10e2073a01080063:humidity.unit': '%RH' } },
        ],
      },
      {
        name: 'relative times resolve against the event time; base value and base sum add up',
        pack: [{ bn: 'd1/', bv: 10, bs: 100, n: 'temp', v: 1.5, t: -10 }, { n: 'energy', s: 5 }, { n: 'on', vb: true }, { n: 'mode', vs: 'eco' }, { n: 'blob', vd: 'AQID' }],
        records: [
          { time: '2025-12-31T23:59:50.000Z', values: { 'd1/temp': 11.5 } },
          { time: T, values: { 'd1/energy.sum': 105, 'd1/on': true, 'd1/mode': 'eco', 'd1/blob': 'AQID' } },
        ],
      },
      {
        name: 'times a fraction of a millisecond apart stay apart (a sensor sampling at 10 kHz), to the microsecond',
        pack: [{ bn: 'd1/', bt: 1.7e9, n: 'v', v: 1 }, { n: 'v', v: 2, t: 0.0001 }, { n: 'v', v: 3, t: 0.0002 }, { n: 'v', v: 4, t: 0.001 }],
        records: [
          { time: '2023-11-14T22:13:20.000Z', values: { 'd1/v': 1 } },
          { time: '2023-11-14T22:13:20.000100Z', values: { 'd1/v': 2 } },
          { time: '2023-11-14T22:13:20.000200Z', values: { 'd1/v': 3 } },
          { time: '2023-11-14T22:13:20.001Z', values: { 'd1/v': 4 } },
        ],
      },
    ];
    for (const c of cases) it(c.name, () => assert.deepEqual(fromSenml(c.pack, T).records, c.records));

    const bad: [string, unknown][] = [
      ['not an array', { n: 'x', v: 1 }],
      ['an empty pack', []],
      ['a value without a name', [{ v: 1 }]],
      ['a string where a number belongs', [{ n: 'x', v: '1' }]],
      ['a record that is not an object', [1]],
      ['a name with spaces', [{ n: 'a b', v: 1 }]],
      ['a must-understand field kiot does not know (RFC 8428 §4.4: its label ends in _)', [{ n: 'x', v: 1, ct_: 5 }]],
      ['two values for one name at one time (one would overwrite the other)', [{ n: 'x', v: 1 }, { n: 'x', v: 2 }]],
      // Past what RFC 3339 writes (toISOString threw a RangeError for these: a 500, retried).
      ['a time past the year 9999', [{ bt: 1e20, n: 'x', v: 1 }]],
      ['a time before the year 0000', [{ n: 'x', v: 1, t: -1e15 }]],
      ['a time in the year 11476', [{ bt: 3e11, n: 'x', v: 1 }]],
    ];
    for (const [name, pack] of bad) it(`answers 422 with a reason for ${name}`, () => assert.throws(() => fromSenml(pack, T), (e: { status?: number; headers?: Record<string, string> }) => e.status === 422 && /^senml: /.test(e.headers?.['kne-reason'] ?? '')));
  });

  it('takes plain JSON (application/json, +json or none) as readings (json.ts)', () => {
    assert.deepEqual(convert(input({ mediaType: 'application/json', data: { temperature: 21.5 } })), { format: 'json', normalized: { records: [{ time: T, values: { temperature: 21.5 } }] } });
    assert.equal(convert(input({ mediaType: '', data: [{ ts: 1767225605000, a: 1 }, { a: 2 }] })).normalized.records.length, 2);
  });

  it('takes decoded_payload, received_at and the best gateway from a The Things Stack v3 uplink', () => {
    const up = fixture('theThingsStack.uplink.json') as Record<string, unknown>;
    (up as { received_at: string }).received_at = '2020-02-12T15:15:45.787Z';
    const { format, normalized } = convert(input({ mediaType: 'application/json', data: up }));
    assert.equal(format, 'ttsv3');
    assert.deepEqual(normalized.records, [{ time: '2020-02-12T15:15:45.787Z', values: { temperature: 1.0, luminosity: 0.64 } }]);
    assert.deepEqual(normalized.meta, { gateways: 1, f_port: 1, f_cnt: 9, dev_eui: '01020304050607AB', rssi: -35, snr: 5 });
  });

  it('answers 422 for a TTS uplink without decoded_payload when no codec is configured, and decodes frm_payload with the configured one', () => {
    const up = fixture('theThingsStack.uplink.json') as { uplink_message: Record<string, unknown> };
    delete up.uplink_message['decoded_payload'];
    up.uplink_message['frm_payload'] = Buffer.from('0367011005670 0ff'.replace(/ /g, ''), 'hex').toString('base64');
    assert.throws(() => convert(input({ mediaType: 'application/json', data: up })), (e: { status?: number; headers?: Record<string, string> }) => e.status === 422 && /no codec configured/.test(e.headers?.['kne-reason'] ?? ''));
    const { normalized } = convert(input({ mediaType: 'application/json', data: up }, { 'app1//1': 'raw-hex', 'demo/uplink/1': 'lpp' }));
    assert.deepEqual(normalized.records[0]!.values, { temperature_3: 27.2, temperature_5: 25.5 });
  });

  it('takes object from a ChirpStack v4 uplink', () => {
    const up = { ...(fixture('chirpStackV4.uplink.json') as object), object: { temperature: 19 } };
    const { format, normalized } = convert(input({ mediaType: 'application/json', data: up }));
    assert.equal(format, 'chirpstack');
    // The network server's time as it gives it, to the microsecond.
    assert.deepEqual(normalized.records, [{ time: '2019-11-08T13:59:25.048445Z', values: { temperature: 19 } }]);
    assert.equal(normalized.meta?.['rssi'], -48);
  });

  it('answers 422, never a 500, for content it cannot read', () => {
    for (const i of [{ mediaType: 'application/octet-stream', data: Buffer.from('x') }, { mediaType: 'application/json', data: null }, { mediaType: 'application/json', data: [] }, { mediaType: 'text/csv', data: 'a,b' }]) {
      assert.throws(() => convert(input(i)), (e: { status?: number }) => e.status === 422, JSON.stringify(i));
    }
  });
});
