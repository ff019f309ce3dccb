/**
 * The local stack end to end, started the way `npm start` starts it: the banner's curl line is
 * answered 202, the reading reaches the TSDB through broker → converter → validator → writer, a
 * bad reading lands in the rejects sink, a crashed function is restarted, and Ctrl-C stops all.
 */
import { strict as assert } from 'node:assert';
import { execSync } from 'node:child_process';
import mqtt from 'mqtt';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, exportSeries, needVictoriaMetrics, VM_URL } from './support/services';
import { deviceAuth, startStack, type Stack } from './support/stack';

describe('local stack (npm start)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let ports: Record<string, number>;
  let varDir: string;
  const out = (): string => stack.output();
  const started = Date.now();

  before(async function () {
    await needVictoriaMetrics(this);
    stack = await startStack();
    ports = stack.ports;
    varDir = stack.varDir;
  });

  after(async () => { await stack?.stop(); });

  const reading = (body: string) => fetch(`http://127.0.0.1:${ports['HTTP_INGEST_PORT']}/?channel=temperature`, { method: 'POST', headers: { authorization: deviceAuth, 'content-type': 'application/json' }, body });
  const stored = (value: number) => eventually(async () => {
    const series = await exportSeries('{__name__="temperature_temperature",application="demo",device="device1"}');
    return series.some((s) => s.values.some((v, i) => v === value && s.timestamps[i]! >= started - 1000)) ? true : undefined;
  }, 20_000);

  it('prints a banner with the URLs, the demo credentials and a curl line that is answered 202', () => {
    assert.match(out(), new RegExp(`HTTP ingest +http://127.0.0.1:${ports['HTTP_INGEST_PORT']}/`));
    assert.match(out(), /demo \/ device1, password demo-secret/);
    const curl = /^\s*(curl -i .*)$/m.exec(out())?.[1];
    assert.ok(curl, 'no curl line in the banner');
    const answer = execSync(curl, { encoding: 'utf8' });
    assert.match(answer, /^HTTP\/1.1 202/);
  });

  it('carries the reading through broker, converter, validator and writer into the TSDB', async () => {
    await stored(21.5);
  });

  it('carries an MQTT QoS 1 publish (acked only once the broker had it) into the TSDB, and the simulator over MQTT', async () => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports['MQTT_PORT']}`, { username: 'device1@demo', password: 'demo-secret', protocolVersion: 5, reconnectPeriod: 0 });
    await c.publishAsync('temperature', '{"temperature": 24.75}', { qos: 1 });
    await c.endAsync();
    await stored(24.75);
    const sim = execSync(`node ${join(__dirname, '../packages/cli/build/kiot.js')} simulate --protocol mqtt --url mqtt://127.0.0.1:${ports['MQTT_PORT']} --devices 3 --rate 50 --count 30`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.deepEqual((({ sent, acked, failed }) => ({ sent, acked, failed }))(JSON.parse(sim) as { sent: number; acked: number; failed: number }), { sent: 30, acked: 30, failed: 0 });
  });

  it('carries a bare value from mosquitto_pub (-t temperature -m 22.25) into the TSDB as the channel\'s reading, where every stage answered 400', async () => {
    // MQTT's common convention: the topic names the quantity, the payload is its value. The endpoint sniffs it as JSON.
    execSync(`mosquitto_pub -h 127.0.0.1 -p ${ports['MQTT_PORT']} -u device1@demo -P demo-secret -q 1 -t temperature -m 22.25`);
    await stored(22.25);
    const list = (await (await fetch(`http://127.0.0.1:${ports['CONSOLE_PORT']}/?view=events&since=0`, { headers: { accept: 'application/json' } })).json()) as { events: { type: string; data: unknown }[] };
    assert.ok(list.events.some((e) => e.type === 'io.kiot.telemetry.raw.v1' && e.data === 22.25), 'the live console shows the raw event');
  });

  it('carries form data into the TSDB, and JSON that curl -d sent as form data, where both were dead-lettered', async () => {
    // curl's -d sends application/x-www-form-urlencoded unless told otherwise, as many HTTP clients post.
    for (const [body, value] of [['temperature=24.125', 24.125], ['{"temperature": 24.375}', 24.375]] as const) {
      execSync(`curl -sf -u device1@demo:demo-secret -d '${body}' 'http://127.0.0.1:${ports['HTTP_INGEST_PORT']}/?channel=temperature'`);
      await stored(value);
    }
  });

  it('routes a reading that breaks the schema to the rejects sink with the errors', async () => {
    assert.equal((await reading('{"temperature": "hot"}')).status, 202);
    const file = join(varDir, 'sinks/kiot-rejects.jsonl');
    const rejected = await eventually(async () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; data: { errors: { keyword: string }[] } }) : undefined));
    assert.equal(rejected[0]!.type, 'io.kiot.telemetry.rejected.v1');
    assert.equal(rejected[0]!.data.errors[0]!.keyword, 'type');
  });

  it('dead-letters a reading stamped days after it was received (a device clock running ahead), which VictoriaMetrics would answer 204 and drop', async () => {
    const ahead = Date.now() + 3 * 86_400_000;
    // VictoriaMetrics, written straight: 204 for both lines, and only the present one kept.
    const direct = await fetch(`${VM_URL}/api/v2/write?precision=ms`, { method: 'POST', body: `ahead,device=probe${started} v=1 ${ahead}\nahead,device=probe${started} now=1 ${Date.now()}` });
    assert.equal(direct.status, 204);
    await eventually(async () => ((await exportSeries(`{__name__="ahead_now",device="probe${started}"}`)).length > 0 ? true : undefined));
    assert.deepEqual(await exportSeries(`{__name__="ahead_v",device="probe${started}"}`), []);
    const time = new Date(ahead).toISOString();
    assert.equal((await reading(JSON.stringify({ temperature: 19.125, time }))).status, 202);
    const file = join(varDir, 'sinks/kiot-dead-letters.jsonl');
    type Dead = { knativeerrordest: string; knativeerrorcode: number; knativeerrordata: string };
    const dead = await eventually(async () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Dead).find((d) => Buffer.from(d.knativeerrordata, 'base64').toString().includes(time)) : undefined));
    assert.equal(dead.knativeerrordest, `http://127.0.0.1:${ports['CONVERTER_PORT']}`);
    assert.equal(dead.knativeerrorcode, 422);
    assert.match(Buffer.from(dead.knativeerrordata, 'base64').toString(), /is 3\.0 days after the event's own .*CONVERTER_MAX_AHEAD_SECONDS=86400/);
  });

  // Each is acked (the MQTT endpoint only translates), then dead-lettered once, by the converter, with
  // its reason and the payload as sent; the live console shows it instead of failing on it.
  const DEEP = `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`;
  const LATIN1 = Buffer.from('{"status": "d\xe9faut"}', 'latin1');
  const unusable: [string, string | Buffer, RegExp, unknown][] = [
    ['JSON that does not parse', '{"humidity": 4', /data declared application\/json does not parse/, '{"humidity": 4'],
    // Read with U+FFFD for its é (what fastify did before the bundled runtime handed such bytes on), it was stored as "d\uFFFDfaut".
    ['JSON that is not UTF-8 (a device writing Latin-1)', LATIN1, /data declared application\/json is not UTF-8/, { base64: LATIN1.toString('base64') }],
    // JSON.parse takes it; JSON.stringify and every walk over it overflow the stack (core nesting.ts).
    ['JSON nested 6,000 deep', DEEP, /data nests deeper than 64 levels/, { truncated: true, reason: 'data nests deeper than 64 levels of objects and arrays' }],
  ];
  unusable.forEach(([what, payload, reason, onConsole], i) => {
    it(`dead-letters data declared JSON that is unusable (${what}) once, from the converter with its reason; the live console shows it`, async () => {
      // MQTT 5 lets a device declare a content type the endpoint does not check: it only translates.
      const channel = `unusable${i}`;
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports['MQTT_PORT']}`, { username: 'device1@demo', password: 'demo-secret', protocolVersion: 5, reconnectPeriod: 0 });
      await c.publishAsync(channel, payload, { qos: 1, properties: { contentType: 'application/json' } });
      await c.endAsync();
      const file = join(varDir, 'sinks/kiot-dead-letters.jsonl');
      type Dead = { id: string; subject: string; knativeerrordest: string; knativeerrorcode: number; knativeerrordata: string; data_base64?: string };
      const deadOf = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Dead).filter((d) => d.subject === channel) : []);
      const [dead] = await eventually(async () => { const d = deadOf(); return d.length > 0 ? d : undefined; });
      assert.equal(dead!.knativeerrordest, `http://127.0.0.1:${ports['CONVERTER_PORT']}`);
      assert.equal(dead!.knativeerrorcode, 422);
      assert.match(Buffer.from(dead!.knativeerrordata, 'base64').toString(), reason);
      assert.equal(Buffer.from(dead!.data_base64 ?? '', 'base64').toString('hex'), Buffer.from(payload).toString('hex'), 'the dead letter keeps the payload byte for byte');
      type Shown = { id: string; data: unknown };
      const shown = await eventually(async () => {
        const list = (await (await fetch(`http://127.0.0.1:${ports['CONSOLE_PORT']}/?view=events&since=0`, { headers: { accept: 'application/json' } })).json()) as { events: Shown[] };
        return list.events.find((e) => e.id === dead!.id);
      });
      assert.deepEqual(shown.data, onConsole);
      assert.equal(deadOf().length, 1, 'the live console took it (no dead letter of its own)');
    });
  });

  it('answers what fastify refuses itself in kiot\'s error form, with the reason for a dead letter, and logs no error for it', async () => {
    const before = out().split('\n').filter((l) => l.includes('"level":50')).length;
    const big = await fetch(`http://127.0.0.1:${ports['HTTP_INGEST_PORT']}/?channel=temperature`, { method: 'POST', headers: { authorization: deviceAuth, 'content-type': 'application/json' }, body: Buffer.alloc(1_100_000, 'a') });
    assert.equal(big.status, 413);
    assert.deepEqual(await big.json(), { error: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' });
    const empty = await fetch(`http://127.0.0.1:${ports['CONVERTER_PORT']}/`, { method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': 'e1', 'ce-type': 'io.kiot.telemetry.raw.v1', 'ce-source': 'kiot://demo/device1', 'content-type': 'application/json' }, body: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.headers.get('kne-reason') ?? '', /Body cannot be empty/);
    assert.equal(((await empty.json()) as { error: string }).error, 'BAD_REQUEST');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(out().split('\n').filter((l) => l.includes('"level":50')).length, before, 'an error logged for a refused request');
  });

  it('restarts a function that crashes, and readings flow again', async () => {
    const pid = stack.pid('converter');
    assert.ok(pid > 0);
    process.kill(-pid, 'SIGKILL');
    await eventually(async () => (/converter exited .*restarting/.test(out()) ? true : undefined));
    await eventually(async () => (stack.starts('converter') === 2 ? true : undefined));
    // The broker retries while the converter is away, so this reading is not lost either way.
    assert.equal((await reading('{"temperature": 23.25}')).status, 202);
    await stored(23.25);
  });

  it('loses no accepted reading when the broker is killed: its journal redelivers after the restart', async () => {
    const converter = stack.pid('converter');
    process.kill(-converter, 'SIGSTOP'); // the converter hangs: the broker holds the reading
    try {
      assert.equal((await reading('{"temperature": 25.125}')).status, 202);
      const brokers = stack.starts('broker');
      process.kill(stack.pid('broker'), 'SIGKILL');
      await eventually(async () => (stack.starts('broker') > brokers ? true : undefined));
      await eventually(async () => (/recovered accepted events from the journal/.test(out()) ? true : undefined));
    } finally {
      process.kill(-converter, 'SIGCONT');
    }
    await stored(25.125);
  });

  it('stops every process on Ctrl-C', async () => {
    const pids = [...out().matchAll(/\[stack\] started \S+ pid (\d+)/g)].map((m) => Number(m[1]));
    // A terminal's Ctrl-C: SIGINT to the foreground process group (npm, and the launcher under it).
    assert.ok(['0', 'SIGINT'].includes(await stack.interrupt()));
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    await eventually(async () => (pids.every((p) => !alive(p)) ? true : undefined), 10_000);
    await assert.rejects(fetch(`http://127.0.0.1:${ports['BROKER_PORT']}/healthz`));
    await assert.rejects(fetch(`http://127.0.0.1:${ports['HTTP_INGEST_PORT']}/health/readiness`));
  });
});
