/**
 * 4. Auth against the running local stack, logging at debug: an unknown device is answered exactly
 * like a wrong password and takes as long; failures are limited per source address (simultaneous
 * ones too) and readings per device; no credential ever reaches a log or a stored event; no
 * process grants a foreign origin or `*`. (MQTT over TLS with real clients: endpoints/mqtt/test/clients.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startStack, type Stack } from '../support/stack';
import { needVictoriaMetrics } from '../support/services';
import { record } from './report';
import { reference } from '../support/reference';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const SECRETS = { right: 'demo-secret', wrongHttp: 'hunter2-wrong-7Q4', wrongMqtt: 'mqtt-wrong-P9R', webhook: 'demo-webhook-secret', gateway: 'demo-gateway-secret' };
const HEAD = ['check', 'result'];

/** Every file under a directory, recursively (the broker's journal and sinks). */
const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));

describe('reliability 4: auth (local stack, every process logging at debug)', function () {
  this.timeout(120_000);
  let stack: Stack;
  const ingest = () => `http://127.0.0.1:${stack.ports['HTTP_INGEST_PORT']}/`;
  const attempt = async (auth: string, from: string): Promise<{ status: number; body: string; headers: string; ms: number }> => {
    const t = process.hrtime.bigint();
    const res = await fetch(`${ingest()}?channel=temperature`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'x-forwarded-for': from }, body: '{"temperature": 20}' });
    const body = await res.text();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    return { status: res.status, body, headers: JSON.stringify([res.headers.get('www-authenticate'), res.headers.get('content-type')]), ms };
  };

  before(async function () {
    await needVictoriaMetrics(this);
    // DEBUG too: operators set it to trace a fault, and libraries that use the `debug` package then print what they parse.
    stack = await startStack({ FUNC_LOG_LEVEL: 'debug', DEBUG: '*' });
  });
  after(async () => { await stack?.stop(); });

  it('answers an unknown device exactly as a wrong password, in the same time', async () => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const wrong: Awaited<ReturnType<typeof attempt>>[] = [];
    const unknown: Awaited<ReturnType<typeof attempt>>[] = [];
    for (let i = 0; i < 12; i++) {
      // Distinct source addresses, so the failure limit does not interfere; interleaved, so load is shared.
      wrong.push(await attempt(basic('device1@demo', `${SECRETS.wrongHttp}-${i}`), `192.0.2.${i + 1}`));
      unknown.push(await attempt(basic(`nobody${i}@demo`, `${SECRETS.wrongHttp}-${i}`), `192.0.2.${i + 101}`));
    }
    assert.deepEqual(new Set([...wrong, ...unknown].map((a) => `${a.status} ${a.headers} ${a.body}`)).size, 1, 'one answer for both');
    assert.equal(wrong[0]!.status, 401);
    const ratio = median(unknown.map((a) => a.ms)) / median(wrong.map((a) => a.ms));
    // Both run scrypt (an unknown device against a decoy hash); without the decoy the ratio would be ~0.02.
    assert.ok(ratio > 0.5 && ratio < 2, `unknown/wrong median time ratio ${ratio.toFixed(2)}`);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, { username: 'device1@demo', password: SECRETS.wrongMqtt, protocolVersion: 5, reconnectPeriod: 0 }).catch((e: { code?: number }) => e.code);
    const d = await mqtt.connectAsync(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, { username: 'nobody@demo', password: SECRETS.wrongMqtt, protocolVersion: 5, reconnectPeriod: 0 }).catch((e: { code?: number }) => e.code);
    assert.equal(c, 0x86);
    assert.equal(d, 0x86);
    record('auth', HEAD, ['unknown device vs wrong password (HTTP)', `same status (${wrong[0]!.status}), headers and body; median time ratio ${ratio.toFixed(2)} (${median(unknown.map((a) => a.ms)).toFixed(0)} ms vs ${median(wrong.map((a) => a.ms)).toFixed(0)} ms)`]);
    record('auth', HEAD, ['unknown device vs wrong password (MQTT 5)', `CONNACK 0x${Number(c).toString(16)} for both`]);
  });

  it('limits failed authentications per source address, simultaneous ones included (429 with Retry-After)', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt(basic('device1@demo', `${SECRETS.wrongHttp}-x${i}`), '203.0.113.50')));
    const counts = results.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    assert.deepEqual(Object.keys(counts).sort(), ['401', '429']);
    assert.ok(counts[401]! <= 30, `${counts[401]} guesses got through`);
    const right = await attempt(basic('device1@demo', SECRETS.right), '203.0.113.50');
    assert.equal(right.status, 429, 'the limited address is refused even with the right password');
    assert.equal((await attempt(basic('device1@demo', SECRETS.right), '203.0.113.51')).status, 202, 'another address is not');
    record('auth', HEAD, ['60 simultaneous wrong passwords from one address (HTTP)', `401 ×${counts[401]}, 429 ×${counts[429]}; then the right password from it: ${right.status}, from another address: 202`]);
  });

  it('limits readings per device (429 with Retry-After past the burst)', async () => {
    const statuses = await Promise.all(Array.from({ length: 160 }, () => attempt(basic('device1@demo', SECRETS.right), '198.51.100.77').then((a) => a.status)));
    const ok = statuses.filter((s) => s === 202).length;
    const limited = statuses.filter((s) => s === 429).length;
    assert.equal(ok + limited, 160);
    assert.ok(limited > 0 && ok >= 100, `202 ×${ok}, 429 ×${limited}`);
    record('auth', HEAD, ['160 simultaneous readings from one device (rate 50/s, burst 100)', `202 ×${ok}, 429 ×${limited}`]);
  });

  it('grants no foreign origin, on a preflight or a real request, anywhere, not even an opaque one', async () => {
    const targets = { 'http-ingest': 'HTTP_INGEST_PORT', converter: 'CONVERTER_PORT', validator: 'VALIDATOR_PORT', 'influx-writer': 'INFLUX_WRITER_PORT', 'live-console': 'CONSOLE_PORT' };
    const granted: string[] = [];
    for (const [name, port] of Object.entries(targets)) {
      for (const method of ['OPTIONS', 'GET', 'POST']) {
        for (const origin of ['https://evil.example', 'null']) {
          const res = await fetch(`http://127.0.0.1:${stack.ports[port]}/`, { method, headers: { origin, 'access-control-request-method': 'POST' }, ...(method === 'POST' ? { body: '{}' } : {}) });
          await res.arrayBuffer();
          const allow = res.headers.get('access-control-allow-origin');
          // faas-js-runtime alone would answer `null` to a refused origin on a real request, which an opaque origin matches.
          if (allow === '*' || allow === origin) granted.push(`${name} ${method} from ${origin}: ${allow}`);
        }
      }
    }
    assert.deepEqual(granted, []);
    record('auth', HEAD, ['CORS: OPTIONS (preflight), GET and POST from https://evil.example and from an opaque origin (null) to every function', 'no grant anywhere: preflights are answered from each function\'s cors() by its start entry (faas-js-runtime alone answers `*`), and real requests get no Access-Control-Allow-Origin (faas-js-runtime alone answers `null`, which an opaque origin matches)']);
  });

  it('never writes a credential to a log or a stored event', async () => {
    // Credentials of every kind, right and wrong, over HTTP and MQTT.
    await attempt(basic('device1@demo', SECRETS.right), '198.51.100.1');
    await attempt(basic('gateway1@demo', SECRETS.gateway), '198.51.100.1');
    const tts = JSON.parse(readFileSync(reference('fixtures/lorawan/theThingsStack.uplink.json'), 'utf8')) as { end_device_ids: { application_ids: Record<string, string> } };
    tts.end_device_ids.application_ids = { application_id: 'demo-tts' };
    const hook = await fetch(ingest(), { method: 'POST', headers: { 'x-kiot-webhook-secret': SECRETS.webhook, 'content-type': 'application/json' }, body: JSON.stringify(tts) });
    assert.equal(hook.status, 202);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, { username: 'device1@demo', password: SECRETS.right, protocolVersion: 4, reconnectPeriod: 0 });
    await c.publishAsync('temperature', '{"temperature": 20}', { qos: 1 });
    await c.endAsync();
    await new Promise((r) => setTimeout(r, 1000));
    // The launcher's banner prints the local demo credentials on purpose; the processes must not.
    const logs = stack.output().split('\n').filter((l) => /^\[(?!stack\])[a-z-]+\]/.test(l));
    assert.ok(logs.length > 0, 'the processes logged something at debug');
    const stored = files(stack.varDir).map((f) => readFileSync(f).toString('latin1'));
    // Plain, in Basic's base64, and as Node prints a Buffer (`<Buffer 64 65 …>`, as mqtt-packet's debug lines print a CONNECT).
    const hex = (t: string) => Buffer.from(t).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    const needles = [...Object.values(SECRETS), ...Object.values(SECRETS).map(hex), ...['device1@demo', 'gateway1@demo'].flatMap((u) => [basic(u, SECRETS.right).slice(6), basic(u, SECRETS.gateway).slice(6)])];
    for (const n of needles) {
      assert.ok(!logs.some((l) => l.includes(n)), `a log line holds ${n}`);
      assert.ok(!stored.some((s) => s.includes(n)), `a stored file holds ${n}`);
    }
    record('auth', HEAD, ['credentials in logs (every process at debug, with DEBUG=*) and in the journal and sinks', `none of ${needles.length} secrets, right and wrong, plain, base64 and as Node prints a Buffer, in ${logs.length} log lines and ${stored.length} files`]);
  });
});
