import { strict as assert } from 'node:assert';
import { CloudEvent, HTTP } from 'cloudevents';
import * as writer from '../src/index';
import { setEnv } from '../../../test/support/env';

// Restored after each suite: later suites start child processes that inherit process.env.
const restoreEnv: (() => void)[] = [];
import { startFunction, freePort, type Running } from '../../../test/support/runtime';
import { integers } from '../../../test/support/seeded';
import { eventually, exportSeries, INFLUX1_URL, influxQL, needInfluxDB1, needVictoriaMetrics, VM_URL } from '../../../test/support/services';

const validated = (device: string, values: Record<string, unknown>, time = new Date().toISOString()) =>
  HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${device}`, subject: 'temperature', application: 'demo', device, datacontenttype: 'application/json', data: { records: [{ time, values }] } }));

async function post(url: string, msg: { headers: object; body: unknown }) {
  return fetch(url, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string });
}

describe('influx-writer in faas-js-runtime with VictoriaMetrics', function () {
  after(() => restoreEnv.splice(0).reverse().forEach((r) => r()));
  let running: Running;
  const run = `w${Date.now()}`;
  before(async function () {
    await needVictoriaMetrics(this);
    restoreEnv.push(setEnv({ INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot', INFLUX_ORG: 'kiot', INFLUX_TOKEN: '', WRITER_CONCURRENT_WRITES: '2' }));
    running = await startFunction(writer);
  });
  after(async () => { await running?.close(); });

  it('answers 204 only after the point is stored, with measurement, tags, field and time intact', async () => {
    const time = '2026-03-01T12:00:00.000Z';
    const res = await post(running.url, validated(`${run}-a`, { temperature: 21.5 }, time));
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    const series = await eventually(async () => {
      const s = await exportSeries(`{__name__="temperature_temperature",device="${run}-a"}`);
      return s.length > 0 ? s : undefined;
    });
    assert.deepEqual(series[0]!.values, [21.5]);
    assert.deepEqual(series[0]!.timestamps, [Date.parse(time)]);
    assert.equal(series[0]!.metric['application'], 'demo');
    assert.equal(series[0]!.metric['channel'], 'temperature');
  });

  it('writes a string holding a newline as one point: a device cannot forge a line for another device\'s series', async () => {
    // VictoriaMetrics ends a line at a newline, even inside a quoted string (InfluxDB's docs: line protocol has none in field values).
    const time = '2026-03-01T12:30:00.000Z';
    const forged = `ok\ntemperature,application=demo,device=${run}-victim temperature=-100 ${Date.parse(time)}\n`;
    assert.equal((await post(running.url, validated(`${run}-nl`, { note: forged, temperature: 19.5 }, time))).status, 204);
    await eventually(async () => ((await exportSeries(`{__name__="temperature_temperature",device="${run}-nl"}`)).length > 0 ? true : undefined));
    assert.deepEqual(await exportSeries(`{device="${run}-victim"}`), []);
  });

  it('refuses (422) a field name ending in a backslash, which VictoriaMetrics answers 204 and drops, and stores one with a backslash it can carry', async () => {
    // What VictoriaMetrics does with such a line, written straight beside a good one: 204, and only the good one is kept.
    const direct = await fetch(`${VM_URL}/api/v2/write?precision=ms`, { method: 'POST', body: `backslash,device=${run}-direct a\\=1\nbackslash,device=${run}-direct ok=1` });
    assert.equal(direct.status, 204);
    await eventually(async () => ((await exportSeries(`{__name__="backslash_ok",device="${run}-direct"}`)).length > 0 ? true : undefined));
    assert.deepEqual((await exportSeries(`{device="${run}-direct"}`)).map((x) => x.metric['__name__']), ['backslash_ok']);
    const time = '2026-03-01T12:40:00.000Z';
    const refused = await post(running.url, validated(`${run}-bs`, { 'a\\': 1, temperature: 18.5 }, time));
    assert.equal(refused.status, 422);
    assert.match(refused.headers.get('kne-reason') ?? '', /backslash at its end/);
    assert.equal((await post(running.url, validated(`${run}-bs`, { 'a\\b': 2 }, time))).status, 204);
    const stored = await eventually(async () => {
      const s = await exportSeries(`{device="${run}-bs"}`);
      return s.length > 0 ? s : undefined;
    });
    assert.deepEqual(stored.map((x) => [x.metric['__name__'], x.values]), [['temperature_a\\b', [2]]]);
  });

  it('refuses (422) a field name VictoriaMetrics would cut at 16,384 bytes (merging two readings), and stores one that fits whole', async () => {
    // What VictoriaMetrics does with such names, written straight: 204, both cut to one series.
    const long = 'f'.repeat(16_380);
    const direct = await fetch(`${VM_URL}/api/v2/write?precision=ms`, { method: 'POST', body: `cut,device=${run}-cut ${long}a=1 1772445600000\ncut,device=${run}-cut ${long}b=2 1772445601000` });
    assert.equal(direct.status, 204);
    const cut = await eventually(async () => {
      const s = await exportSeries(`{device="${run}-cut"}`);
      return s[0]?.values.length === 2 ? s : undefined;
    });
    assert.deepEqual(cut.map((x) => Buffer.byteLength(x.metric['__name__']!)), [16_384]);
    const time = '2026-03-01T12:45:00.000Z';
    // `temperature_` takes 12 bytes of the 16,384.
    const refused = await post(running.url, validated(`${run}-long`, { ['f'.repeat(16_373)]: 1 }, time));
    assert.equal(refused.status, 422);
    assert.match(refused.headers.get('kne-reason') ?? '', /too long to be stored whole/);
    assert.equal((await post(running.url, validated(`${run}-long`, { ['f'.repeat(16_372)]: 2 }, time))).status, 204);
    const stored = await eventually(async () => {
      const s = await exportSeries(`{device="${run}-long"}`);
      return s.length > 0 ? s : undefined;
    });
    assert.deepEqual(stored.map((x) => [x.metric['__name__'], x.values]), [[`temperature_${'f'.repeat(16_372)}`, [2]]]);
  });

  it('stores every reading it acks, whatever its field names hold: 300 with random characters, each stored or refused (422), none dropped', async () => {
    const alphabet = ['a', 'Z', '0', ' ', ',', '=', '"', '\\', '\n', '\r', '\t', '\u0000', '\u0001', 'é', '😀', '.', '-', '_', '#', '{', "'", ':', '/', '%'];
    const next = integers(20261128);
    const name = (): string => Array.from({ length: 1 + next(6) }, () => alphabet[next(alphabet.length)]).join('');
    const time = '2026-03-01T12:50:00.000Z';
    const events = Array.from({ length: 300 }, (_, i) => ({ device: `${run}-fz${i}`, values: { [name()]: next(2) === 0 ? i + 0.5 : next(2) === 0, marker: i } }));
    const answers: number[] = [];
    for (let i = 0; i < events.length; i += 50) {
      answers.push(...(await Promise.all(events.slice(i, i + 50).map((e) => post(running.url, validated(e.device, e.values, time))))).map((r) => r.status));
    }
    assert.deepEqual([...new Set(answers)].sort(), [204, 422]);
    const acked = events.filter((_, i) => answers[i] === 204).map((e) => e.device);
    const stored = await eventually(async () => {
      const s = new Set((await exportSeries(`{__name__="temperature_marker",device=~"${run}-fz.*"}`)).map((x) => x.metric['device']));
      return acked.every((d) => s.has(d)) ? s : undefined;
    }).catch(async () => new Set((await exportSeries(`{__name__="temperature_marker",device=~"${run}-fz.*"}`)).map((x) => x.metric['device'])));
    const lost = events.filter((e, i) => answers[i] === 204 && !stored.has(e.device)).map((e) => Object.keys(e.values)[0]);
    assert.deepEqual(lost, [], 'acked and not stored');
    assert.ok(acked.length > 200, `${acked.length} acked`);
  });

  it('stores every event of a concurrent burst (micro-batched)', async () => {
    const base = Date.parse('2026-03-01T13:00:00.000Z');
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => post(running.url, validated(`${run}-burst`, { temperature: i }, new Date(base + i * 1000).toISOString()))));
    assert.ok(answers.every((r) => r.status === 204));
    const series = await eventually(async () => {
      const s = await exportSeries(`{__name__="temperature_temperature",device="${run}-burst"}`);
      return s[0]?.values.length === 200 ? s : undefined;
    });
    assert.deepEqual([...series[0]!.values].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  });

  it('answers 422 with kne-reason for data that is not normalized (dead-lettered, not retried)', async () => {
    const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: 'kiot://demo/x', application: 'demo', device: 'x', data: { temperature: 1 } }));
    const res = await post(running.url, msg);
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('kne-reason'), 'not normalized');
  });

  it('answers 422 naming the nesting, never a 500, for data nested thousands deep (JSON.parse takes it, walking it overflows)', async () => {
    const headers = { 'ce-specversion': '1.0', 'ce-id': 'deep', 'ce-type': 'io.kiot.telemetry.validated.v1', 'ce-source': 'kiot://demo/x', 'ce-application': 'demo', 'ce-device': 'x', 'content-type': 'application/json' };
    const body = `{"records":[{"time":"2026-01-01T00:00:00.000Z","values":{"t":${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}}}]}`;
    const res = await fetch(running.url, { method: 'POST', headers, body });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('kne-reason'), 'not normalized');
    assert.match(((await res.json()) as { message: string }).message, /data nests deeper than 64 levels/);
  });

  it('answers 503 with Retry-After when InfluxDB is unreachable', async () => {
    const port = await freePort();
    process.env['INFLUX_URL'] = `http://127.0.0.1:${port}`;
    writer.init();
    try {
      const res = await post(running.url, validated(`${run}-down`, { temperature: 1 }));
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    } finally {
      process.env['INFLUX_URL'] = VM_URL;
      writer.init();
    }
  });
});

/** The writer in the runtime, writing to VictoriaMetrics, for the suites below. */
function writerAgainstVictoriaMetrics(): { readonly url: string } {
  let running: Running | undefined;
  after(() => restoreEnv.splice(0).reverse().forEach((r) => r()));
  before(async function () {
    await needVictoriaMetrics(this);
    restoreEnv.push(setEnv({ INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot' }));
    running = await startFunction(writer);
  });
  after(async () => { await running?.close(); });
  return { get url() { return running!.url; } };
}

describe('influx-writer counts rejects', function () {
  const fn = writerAgainstVictoriaMetrics();

  it('writes a rejected event as one kiot_rejected point with the error count', async () => {
    const device = `rej${Date.now()}`;
    const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.rejected.v1', source: `kiot://demo/${device}`, subject: 'temperature', time: '2026-03-01T10:00:00.000Z', application: 'demo', device, data: { data: {}, errors: [{ instancePath: '/temperature', message: 'must be number' }] } }));
    assert.equal((await post(fn.url, msg)).status, 204);
    const series = await eventually(async () => {
      const s = await exportSeries(`{__name__="kiot_rejected_errors",device="${device}"}`);
      return s.length > 0 ? s : undefined;
    });
    assert.deepEqual(series[0]!.values, [1]);
  });
});

describe('influx-writer as a dead-letter sink', function () {
  const fn = writerAgainstVictoriaMetrics();

  it('keeps any dead-lettered event as a kiot_dead_letters point with its code and reason', async () => {
    const device = `dl${Date.now()}`;
    const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: `kiot://demo/${device}`, subject: 'temperature', application: 'demo', device, knativeerrorcode: 422, knativeerrordest: 'http://converter', reason: 'senml: record 0 is not an object', datacontenttype: 'application/octet-stream', data: Buffer.from([1, 2, 3]) }));
    assert.equal((await post(fn.url, msg)).status, 204);
    const series = await eventually(async () => {
      const s = await exportSeries(`{__name__="kiot_dead_letters_code",device="${device}"}`);
      return s.length > 0 ? s : undefined;
    });
    assert.deepEqual(series[0]!.values, [422]);
    assert.equal(series[0]!.metric['type'], 'io.kiot.telemetry.raw.v1');
  });

  it('keeps a dead letter whose data nests thousands deep (the converter\'s 422 for it) as a point too, instead of failing on it', async () => {
    const device = `dldeep${Date.now()}`;
    const headers = { 'ce-specversion': '1.0', 'ce-id': device, 'ce-type': 'io.kiot.telemetry.raw.v1', 'ce-source': `kiot://demo/${device}`, 'ce-subject': 'temperature', 'ce-application': 'demo', 'ce-device': device, 'ce-knativeerrorcode': '422', 'ce-knativeerrordest': 'http://converter', 'ce-reason': 'nested too deep', 'content-type': 'application/json' };
    const res = await fetch(fn.url, { method: 'POST', headers, body: `${'['.repeat(6000)}${']'.repeat(6000)}` });
    assert.equal(res.status, 204);
    const series = await eventually(async () => {
      const s = await exportSeries(`{__name__="kiot_dead_letters_code",device="${device}"}`);
      return s.length > 0 ? s : undefined;
    });
    assert.deepEqual(series[0]!.values, [422]);
  });
});

/** The writer in the runtime, writing to a database of its own on InfluxDB 1.x (its v1 API), with `env` besides, for the suite it is called in. */
function writerOnInfluxDB1(db: string, env: Record<string, string> = {}): { readonly url: string } {
  let running: Running | undefined;
  after(() => restoreEnv.splice(0).reverse().forEach((r) => r()));
  before(async function () {
    await needInfluxDB1(this);
    await influxQL(`CREATE DATABASE "${db}"`);
    restoreEnv.push(setEnv({ INFLUX_URL: INFLUX1_URL, INFLUX_BUCKET: `${db}/autogen`, INFLUX_API: 'v1', ...env }));
    running = await startFunction(writer);
  });
  after(async () => {
    await running?.close();
    await influxQL(`DROP DATABASE "${db}"`).catch(() => undefined);
  });
  return { get url() { return running!.url; } };
}

describe('influx-writer against InfluxDB 1.x (INFLUX_API=v1), which enforces field types', function () {
  const db = `kiot_writer_${Date.now()}`;
  const running = writerOnInfluxDB1(db);

  const status = (device: string, values: Record<string, unknown>, time: string) =>
    HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${device}`, subject: 'status', application: 'demo', device, datacontenttype: 'application/json', data: { records: [{ time, values }] } }));

  it('dead-letters only the event whose field conflicts with the stored type; every good event of the batch is written', async () => {
    const base = Date.parse('2026-03-02T10:00:00.000Z');
    assert.equal((await post(running.url, status('d0', { level: 1 }, new Date(base).toISOString()))).status, 204);
    // One burst, micro-batched together: 40 numbers and one string for the same float field.
    const answers = await Promise.all(Array.from({ length: 41 }, (_, i) =>
      post(running.url, status(`d${i + 1}`, { level: i === 20 ? 'high' : i }, new Date(base + (i + 1) * 1000).toISOString()))));
    const codes = answers.map((r) => r.status);
    assert.equal(codes[20], 422);
    assert.match(answers[20]!.headers.get('kne-reason') ?? '', /field type conflict/);
    assert.deepEqual(codes.filter((c, i) => i !== 20 && c !== 204), []);
    const rows = (await influxQL('SELECT count(level) FROM status', db)).results[0]!.series![0]!.values;
    assert.equal(rows[0]![1], 41); // d0 plus the 40 good ones
  });

  it('refuses (422) a field named time, which InfluxDB drops without a word when written', async () => {
    // What InfluxDB does with it, written straight.
    const line = await fetch(`${INFLUX1_URL}/write?db=${db}&precision=ms`, { method: 'POST', body: 'reserved,device=direct time="morning",t=1 1772445600000' });
    assert.equal(line.status, 204);
    assert.deepEqual((await influxQL('SELECT * FROM reserved', db)).results[0]!.series![0]!.columns, ['time', 'device', 't']);
    const res = await post(running.url, status('reserved', { time: 'morning', t: 1 }, '2026-03-02T10:00:00.000Z'));
    assert.equal(res.status, 422);
    assert.match(res.headers.get('kne-reason') ?? '', /InfluxDB reserves the field key "time"/);
  });

  it('stores a string holding a newline with \\n in its place, in the one point of its reading', async () => {
    const res = await post(running.url, status('multiline', { note: 'line 1\nline 2', level: 3 }, '2026-03-02T10:30:00.000Z'));
    assert.equal(res.status, 204);
    const series = (await influxQL(`SELECT note, level FROM status WHERE device = 'multiline'`, db)).results[0]!.series![0]!;
    assert.deepEqual(series.values.map((r) => [r[1], r[2]]), [['line 1\\nline 2', 3]]);
  });

  it('answers 503, not 422, while the database does not exist (a setting, not bad data), and writes once it does', async () => {
    await influxQL(`DROP DATABASE "${db}"`);
    const event = status('late', { level: 7 }, '2026-03-02T11:00:00.000Z');
    const refused = await post(running.url, event);
    assert.equal(refused.status, 503, 'retried by the broker, not dead-lettered');
    assert.ok(refused.headers.get('retry-after'));
    await influxQL(`CREATE DATABASE "${db}"`);
    assert.equal((await post(running.url, event)).status, 204);
    const rows = (await influxQL('SELECT level FROM status', db)).results[0]!.series![0]!.values;
    assert.deepEqual(rows.map((r) => r[1]), [7]);
  });
});

describe('influx-writer against InfluxDB 1.x: its maximum key length', function () {
  const keysDb = `kiot_writer_keys_${Date.now()}`;
  const keyed = writerOnInfluxDB1(keysDb, { WRITER_TAGS: 'a,b,c' });

  it('writes a key of exactly 65,535 bytes, InfluxDB\'s most, and refuses (422) one byte more before InfluxDB would', async () => {
    const meta = { a: 'a'.repeat(16_384), b: 'b'.repeat(16_384), c: 'c'.repeat(16_384) };
    const event = (field: string, value: number) => HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: 'kiot://demo/keys', subject: 'status', application: 'demo', device: 'keys', datacontenttype: 'application/json', data: { records: [{ time: '2026-03-02T10:45:00.000Z', values: { [field]: value } }], meta } }));
    // The series key as the writer writes it, and InfluxDB's `#!~#` before the field name.
    const series = `status,a=${meta.a},application=demo,b=${meta.b},c=${meta.c},channel=status,device=keys`;
    const room = 65_535 - 4 - series.length;
    const refused = await post(keyed.url, event('f'.repeat(room + 1), 1));
    assert.equal(refused.status, 422);
    assert.match(refused.headers.get('kne-reason') ?? '', /too long to be stored whole/);
    // InfluxDB's own answer to that line: 400, max key length exceeded.
    const direct = await fetch(`${INFLUX1_URL}/write?db=${keysDb}&precision=ms`, { method: 'POST', body: `${series} ${'f'.repeat(room + 1)}=1 1772448300000` });
    assert.equal(direct.status, 400);
    assert.match(((await direct.json()) as { error: string }).error, /max key length exceeded: 65536 > 65535/);
    assert.equal((await post(keyed.url, event('f'.repeat(room), 2))).status, 204);
    const fields = (await influxQL('SHOW FIELD KEYS FROM status', keysDb)).results[0]!.series![0]!.values.map((r) => String(r[0]).length);
    assert.deepEqual(fields, [room]);
  });
});

describe('influx-writer at INFLUX_PRECISION=us against InfluxDB 1.x: readings a fraction of a millisecond apart', function () {
  const db = `kiot_writer_us_${Date.now()}`;
  const running = writerOnInfluxDB1(db, { INFLUX_PRECISION: 'us' });

  it('stores each at its own microsecond, where milliseconds would have kept one of them', async () => {
    // As the converter writes a SenML pack from a sensor sampling at 10 kHz.
    const records = [0, 100, 200].map((us, i) => ({ time: `2026-03-02T10:00:00.000${String(us).padStart(3, '0')}Z`, values: { v: i + 1 } }));
    const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: 'kiot://demo/khz', subject: 'vibration', application: 'demo', device: 'khz', datacontenttype: 'application/json', data: { records } }));
    assert.equal((await post(running.url, msg)).status, 204);
    // Three points (the helper reads times in milliseconds, which these share).
    const rows = (await influxQL('SELECT v FROM vibration', db)).results[0]!.series![0]!.values;
    assert.deepEqual(rows, [[1772445600000, 1], [1772445600000, 2], [1772445600000, 3]]);
    const micros = (await influxQL('SELECT count(v) FROM vibration WHERE time >= \'2026-03-02T10:00:00.0001Z\'', db)).results[0]!.series![0]!.values;
    assert.equal(micros[0]![1], 2, 'two of them past the first microsecond');
  });
});
