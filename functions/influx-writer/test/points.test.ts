import { strict as assert } from 'node:assert';
import type { Mapping } from '../src/config';
import { leaves, seriesOf, timestamp, toLines } from '../src/points';
import { seriesKey } from '../src/line-protocol';
import { eventLines } from '../src/event-lines';
import type { RecordEvent } from '@kiot/core';

const mapping = (m: Partial<Mapping> = {}): Mapping => ({ measurements: {}, tags: [], integerFields: [], fields: [], precision: 'ms', ...m });
const id = { application: 'demo', device: 'device 1', channel: 'temperature', extensions: { lorawanfport: 1 } };

describe('points: normalized records → line protocol', () => {
  it('writes one point per record with identity tags, float fields and the record time', () => {
    const lines = toLines(id, { records: [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 21.5 } }, { time: '2026-01-01T00:00:01.000Z', values: { temperature: 42 } }] }, mapping());
    assert.deepEqual(lines, [
      'temperature,application=demo,channel=temperature,device=device\\ 1 temperature=21.5 1767225600000',
      'temperature,application=demo,channel=temperature,device=device\\ 1 temperature=42 1767225601000',
    ]);
  });

  it('pins integers only where declared, and refuses a declared integer that is not one (422)', () => {
    const line = toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { count: 3, ok: true, state: 'on "x"' } }] }, mapping({ integerFields: ['count'] }))[0]!;
    assert.match(line, / count=3i,ok=T,state="on \\"x\\"" /);
    assert.throws(() => toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { count: 3.5 } }] }, mapping({ integerFields: ['count'] })), (e: { status?: number }) => e.status === 422);
  });

  it('joins nested keys with dots, honours an explicit field list, measurement map and extra tags', () => {
    assert.deepEqual(leaves({ a: { b: 1, c: [true, 'x'] } }), { 'a.b': 1, 'a.c.0': true, 'a.c.1': 'x' });
    // Two leaves that join to one field name: one would be lost, so the event is refused.
    assert.throws(() => leaves({ 'a.b': 1, a: { b: 2 } }), (e: { status?: number; message?: string }) => e.status === 422 && /two values make the field "a.b"/.test(e.message ?? ''));
    const line = toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { a: { b: 1 }, skip: 2 } }], meta: { f_port: 7 } }, mapping({ fields: ['a.b'], measurements: { 'demo/temperature': 'climate' }, tags: ['f_port', 'lorawanfport'] }))[0]!;
    assert.equal(line, 'climate,application=demo,channel=temperature,device=device\\ 1,f_port=7,lorawanfport=1 a.b=1 1767225600000');
  });

  it('formats each series once per mapping, and never gives one identity another\'s series', () => {
    // Identities whose parts run together the same way, and a channel mapped differently by two mappings.
    const plain = mapping();
    const mapped = mapping({ measurements: { 'ab/x': 'climate' } });
    const ids = [['a', 'bc', 'x'], ['ab', 'c', 'x'], ['a', 'b', 'cx'], ['ab', '', 'cx'], ['1:a', 'b', 'x'], ['1', ':ab', 'x'], ['ab', 'c', 'x']].map(([application, device, channel]) => ({ application: application!, device: device!, channel: channel!, extensions: {} }));
    for (let round = 0; round < 2; round++) {
      for (const m of [plain, mapped, plain]) {
        for (const i of ids) {
          const measurement = m.measurements[`${i.application}/${i.channel}`] ?? i.channel;
          assert.equal(seriesOf(i, undefined, m), seriesKey(measurement, { application: i.application, device: i.device, channel: i.channel }));
        }
      }
    }
    assert.equal(seriesOf(ids[1]!, undefined, mapped), 'climate,application=ab,channel=x,device=c');
  });

  it('converts the time to the configured precision without losing sub-millisecond digits', () => {
    assert.equal(timestamp('2026-01-01T00:00:00.123456789Z', 'ns'), '1767225600123456789');
    assert.equal(timestamp('2026-01-01T00:00:00.123456789Z', 'us'), '1767225600123456');
    assert.equal(timestamp('2026-01-01T00:00:00.999Z', 's'), '1767225600');
  });

  it('floors a time before 1970 to its precision, as after: the unit it falls in, not the one nearer 1970', () => {
    assert.equal(timestamp('1969-12-31T23:59:59.5Z', 's'), '-1');
    assert.equal(timestamp('1969-12-31T23:59:59.9995Z', 'ms'), '-1');
    assert.equal(timestamp('1969-12-31T23:59:59.9995Z', 'us'), '-500');
    assert.equal(timestamp('1960-01-01T00:00:00.0000005Z', 'us'), '-315619200000000');
    assert.equal(timestamp('1960-01-01T00:00:00Z', 's'), '-315619200');
    assert.equal(timestamp('1969-12-31T23:59:59.999999999Z', 'ns'), '-1');
  });

  it('refuses (422) records of one event that InfluxDB would overwrite at the configured precision, and lets it merge the rest', () => {
    const data = (b: Record<string, number>) => ({ records: [{ time: '2026-01-01T00:00:00.100Z', values: { t: 1, h: 40 } }, { time: '2026-01-01T00:00:00.600Z', values: b }] });
    // 500 ms apart: two points in milliseconds; one second in seconds, where a second t would overwrite the first.
    assert.equal(toLines(id, data({ t: 2 }), mapping()).length, 2);
    assert.throws(() => toLines(id, data({ t: 2 }), mapping({ precision: 's' })), (e: { status?: number; message?: string }) => e.status === 422 && e.message === 'records 0 and 1 both give "t" at 1767225600 (INFLUX_PRECISION=s): InfluxDB would keep only one; a finer precision keeps both');
    // Other fields, or the same value: InfluxDB merges them into one point and nothing is lost.
    assert.deepEqual(toLines(id, data({ p: 3 }), mapping({ precision: 's' })).map((l) => l.split(' ').at(-1)), ['1767225600', '1767225600']);
    assert.equal(toLines(id, data({ t: 1 }), mapping({ precision: 's' })).length, 2);
    // Sub-millisecond times in one millisecond, as SenML at a kHz gives them.
    const fast = { records: [{ time: '2026-01-01T00:00:00.000100Z', values: { v: 1 } }, { time: '2026-01-01T00:00:00.000200Z', values: { v: 2 } }] };
    assert.throws(() => toLines(id, fast, mapping()), /records 0 and 1 both give "v" at 1767225600000 \(INFLUX_PRECISION=ms\)/);
    assert.deepEqual(toLines(id, fast, mapping({ precision: 'us' })).map((l) => l.split(' ').at(-1)), ['1767225600000100', '1767225600000200']);
  });

  it('refuses an event whose record time is not a time (422), though it checks the shape without parsing times', () => {
    const ev = { specversion: '1.0', id: '1', source: 'kiot://demo/d1', type: 'io.kiot.telemetry.validated.v1', subject: 'temperature', application: 'demo', device: 'd1', data: { records: [{ time: '2026-01-01T00:00:00Z', values: { t: 1 } }, { time: 'yesterday', values: { t: 2 } }] } } as unknown as RecordEvent;
    assert.throws(() => eventLines(ev, mapping()), (e: { status?: number; message?: string }) => e.status === 422 && /"yesterday" is not a time/.test(e.message ?? ''));
  });

  it('refuses (422) a field key InfluxDB reserves, which it would drop, rather than lose it (a reading\'s "time" that was no time)', () => {
    for (const key of ['time', '_field', '_measurement']) {
      assert.throws(() => toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { [key]: 1, t: 1 } }] }, mapping()), (e: { status?: number; message?: string }) => e.status === 422 && e.message === `InfluxDB reserves the field key "${key}" and would drop it: the reading needs another name for it`, key);
    }
    assert.equal(toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { times: 1, _x: 2 } }] }, mapping()).length, 1);
    // A device's local time without an offset (the usual cause): the reason says what a time must look like.
    assert.throws(() => toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { time: '2026-01-01T10:00:00', t: 1 } }] }, mapping()), (e: { message?: string }) => e.message === 'InfluxDB reserves the field key "time" and would drop it: the reading\'s time "2026-01-01T10:00:00" is no RFC 3339 time (date, time and Z or an offset such as +02:00; or ts in epoch milliseconds), so it stayed a value');
  });

  it('refuses (422) a field name or tag value with a backslash line protocol cannot carry, and writes one it can', () => {
    const write = (values: Record<string, number>, m = mapping(), meta?: Record<string, string>) => toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values }], ...(meta ? { meta } : {}) }, m);
    for (const key of ['a\\', 'a\\,b', 'a\\ b', 'a\\=b', 'a\\\\b', 'a\\\n']) {
      assert.throws(() => write({ [key]: 1, t: 2 }), (e: { status?: number; message?: string }) => e.status === 422 && e.message === `the field name ${JSON.stringify(key)} has a backslash at its end or before a comma, space, equals sign or backslash, which line protocol cannot carry: the reading needs another name for it`, JSON.stringify(key));
    }
    assert.throws(() => write({ t: 1 }, mapping({ tags: ['site'] }), { site: 'hall\\' }), (e: { status?: number; message?: string }) => e.status === 422 && e.message?.startsWith(`the site tag ${JSON.stringify('hall\\')} has a backslash at its end`) === true);
    assert.deepEqual(write({ 'a\\b': 1, 'c\\d\\e': 2 }), ['temperature,application=demo,channel=temperature,device=device\\ 1 a\\b=1,c\\d\\e=2 1767225600000']);
    assert.deepEqual(write({ t: 1 }, mapping({ tags: ['site'] }), { site: 'hall\\a' }), ['temperature,application=demo,channel=temperature,device=device\\ 1,site=hall\\a t=1 1767225600000']);
  });

  it('refuses (422) a name too long to be stored whole: measurement_field past 16,384 bytes, a tag value past 16,384, a key past 65,535', () => {
    const write = (values: Record<string, number>, m = mapping(), meta?: Record<string, string>) => toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values }], ...(meta ? { meta } : {}) }, m);
    const tooLong = (e: { status?: number; message?: string }) => e.status === 422 && /is too long to be stored whole/.test(e.message ?? '');
    // `temperature_` takes 12 of VictoriaMetrics's 16,384 bytes; é takes two.
    assert.equal(write({ ['f'.repeat(16_372)]: 1 }).length, 1);
    assert.throws(() => write({ ['f'.repeat(16_373)]: 1 }), tooLong);
    assert.equal(write({ ['é'.repeat(8_186)]: 1 }).length, 1);
    assert.throws(() => write({ [`${'é'.repeat(8_186)}f`]: 1 }), tooLong);
    assert.throws(() => write({ t: 1 }, mapping({ measurements: { temperature: 'm'.repeat(16_383) } })), tooLong);
    const tagged = mapping({ tags: ['a', 'b', 'c'] });
    const meta = { a: 'a'.repeat(16_384), b: 'b'.repeat(16_384), c: 'c'.repeat(16_384) };
    assert.throws(() => write({ t: 1 }, tagged, { ...meta, a: `${meta.a}a` }), (e: { status?: number; message?: string }) => e.status === 422 && e.message === "the a tag's value is longer than 16384 bytes, where VictoriaMetrics cuts it (two values would become one): the reading needs a shorter one");
    // InfluxDB's key: the series, `#!~#`, the field name as escaped (a comma takes two bytes).
    const series = write({ t: 1 }, tagged, meta)[0]!.split(' t=')[0]!;
    const room = 65_535 - 4 - Buffer.byteLength(series);
    assert.equal(write({ ['f'.repeat(room)]: 1 }, tagged, meta).length, 1);
    assert.throws(() => write({ ['f'.repeat(room + 1)]: 1 }, tagged, meta), tooLong);
    assert.throws(() => write({ [','.repeat(Math.ceil(room / 2) + 1)]: 1 }, tagged, meta), tooLong);
  });

  it('refuses (422) a field name with a double quote, which VictoriaMetrics cannot read', () => {
    for (const key of ['"', 'a"b', '"a"']) {
      assert.throws(() => toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { [key]: 1 } }] }, mapping()), (e: { status?: number; message?: string }) => e.status === 422 && e.message === `the field name ${JSON.stringify(key)} has a double quote, which VictoriaMetrics cannot read in a name: the reading needs another name for it`, key);
    }
    // In a string value it is escaped, and read back by both.
    assert.deepEqual(toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { note: 'say "hi"' } }] }, mapping()), ['temperature,application=demo,channel=temperature,device=device\\ 1 note="say \\"hi\\"" 1767225600000']);
  });

  it('refuses a record without fields (422) instead of writing an empty point', () => {
    assert.throws(() => toLines(id, { records: [{ time: '2026-01-01T00:00:00Z', values: { nested: {} } }] }, mapping()), /no fields/);
  });
});
