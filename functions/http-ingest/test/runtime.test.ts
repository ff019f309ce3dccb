import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import * as ingest from '../src/index';
import { setEnv } from '../../../test/support/env';

// Restored after each suite: later suites start child processes that inherit process.env.
const restoreEnv: (() => void)[] = [];
import { startFunction, freePort, type Running } from '../../../test/support/runtime';
import { startSink, type TestSink } from '../../../test/support/sink';
import { reference } from '../../../test/support/reference';

const REGISTRY = join(__dirname, '../../../scripts/stack/demo-registry.yaml');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const DEVICE = basic('device1@demo', 'demo-secret');
const tts = (): Record<string, unknown> => {
  const body = JSON.parse(readFileSync(reference('fixtures/lorawan/theThingsStack.uplink.json'), 'utf8')) as Record<string, unknown>;
  (body['end_device_ids'] as Record<string, unknown>)['application_ids'] = { application_id: 'demo-tts' };
  return body;
};

describe('http-ingest in faas-js-runtime against a real sink', function () {
  after(() => restoreEnv.splice(0).reverse().forEach((r) => r()));
  let sink: TestSink;
  let running: Running;
  before(async () => {
    sink = await startSink();
    restoreEnv.push(setEnv({ K_SINK: sink.url, INGEST_REGISTRY_FILE: REGISTRY, INGEST_SINK_TIMEOUT_MS: '300', INGEST_BODY_LIMIT: '1024', INGEST_RATE_PER_SECOND: '1', INGEST_RATE_BURST: '1000', INGEST_CORS_ORIGINS: 'https://console.example', K_CE_OVERRIDES: '{"extensions":{"site":"plant1","device":"not-this-one"}}' }));
    running = await startFunction(ingest);
  });
  after(async () => { await running.close(); await sink.close(); });
  beforeEach(() => { sink.received.length = 0; sink.respond = () => ({ status: 202 }); });

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers 202 once the sink accepted the event, with every contract attribute set', async () => {
    const res = await post('/?channel=temperature&dataschema=urn:kiot:temperature', '{"temperature": 21.5}', { authorization: DEVICE, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    assert.equal(res.status, 202);
    const { id } = (await res.json()) as { id: string };
    const h = sink.received[0]!.headers;
    assert.equal(h['ce-id'], id);
    assert.equal(h['ce-type'], 'io.kiot.telemetry.raw.v1');
    assert.equal(h['ce-source'], 'kiot://demo/device1');
    assert.equal(h['ce-subject'], 'temperature');
    assert.equal(h['ce-application'], 'demo');
    assert.equal(h['ce-device'], 'device1');
    assert.equal(h['ce-partitionkey'], 'demo/device1');
    assert.equal(h['ce-dataschema'], 'urn:kiot:temperature');
    // The SinkBinding's K_CE_OVERRIDES: added, and never in place of kiot's own attributes.
    assert.equal(h['ce-site'], 'plant1');
    assert.equal(h['ce-traceparent'], '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.ok(Math.abs(Date.parse(String(h['ce-time'])) - Date.now()) < 5000);
    assert.equal(sink.received[0]!.body.toString(), '{"temperature": 21.5}');
  });

  it('accepts user = device with ?application=', async () => {
    const res = await post('/?application=demo', '{"t":1}', { authorization: basic('device1', 'demo-secret') });
    assert.equal(res.status, 202);
  });

  it('answers 401 with WWW-Authenticate, the same for an unknown device and a wrong password', async () => {
    const answers = await Promise.all([post('/', '{}'), post('/', '{}', { authorization: basic('device1@demo', 'nope') }), post('/', '{}', { authorization: basic('ghost@demo', 'demo-secret') })]);
    const bodies = await Promise.all(answers.map((r) => r.text()));
    for (const r of answers) {
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate')!, /^Basic realm="kiot"/);
    }
    assert.equal(bodies[1], bodies[2]);
    assert.equal(sink.received.length, 0);
  });

  it('answers 403 for a disabled device and for ?as= without permission; a gateway may publish as another device', async () => {
    assert.equal((await post('/', '{"a":1}', { authorization: basic('disabled1@demo', 'demo-secret') })).status, 403);
    assert.equal((await post('/?as=device9', '{"a":1}', { authorization: DEVICE })).status, 403);
    const res = await post('/?as=device9', '{"a":1}', { authorization: basic('gateway1@demo', 'demo-gateway-secret') });
    assert.equal(res.status, 202);
    assert.equal(sink.received[0]!.headers['ce-device'], 'device9');
    assert.equal(sink.received[0]!.headers['ce-sender'], 'gateway1');
  });

  it('answers 400 naming the problem for JSON that does not parse, an unknown dialect and runtime-reserved query keys', async () => {
    for (const [path, body, pattern] of [['/', '{"t":', /JSON|json/], ['/?dialect=nope', '{}', /unknown dialect/], ['/?body=evil', '{"t":1}', /"body" is not allowed/], ['/?headers=x', '{"t":1}', /"headers" is not allowed/], ['/?method=GET', '{"t":1}', /"method" is not allowed/]] as const) {
      const res = await post(path, body, { authorization: DEVICE });
      assert.equal(res.status, 400, path);
      const answer = (await res.json()) as { error?: string; message?: string };
      assert.equal(answer.error, 'BAD_REQUEST', `${path}: kiot's own error, not the runtime's`);
      assert.match(answer.message ?? '', pattern, `${path}: ${answer.message}`);
      assert.ok(res.headers.get('kne-reason'), `${path}: kne-reason`);
    }
    assert.equal(sink.received.length, 0);
  });

  it('answers 400 to a JSON body that is not UTF-8 (a device writing Latin-1), which it had forwarded to be stored with U+FFFD for its letters', async () => {
    const res = await post('/?channel=status', Buffer.from('{"status": "d\xe9faut"}', 'latin1'), { authorization: DEVICE, 'content-type': 'application/json; charset=iso-8859-1' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { message?: string }).message, 'body: the body is declared JSON but is not UTF-8, which JSON must be (RFC 8259 §8.1)');
    assert.match(res.headers.get('kne-reason') ?? '', /not UTF-8/);
    assert.equal(sink.received.length, 0);
  });

  it('forwards every body byte for byte, whatever its content type says (bytes that are not UTF-8, JSON as spaced)', async () => {
    const bodies: [string, Buffer][] = [
      ['text/plain', Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x00])],
      ['application/json', Buffer.from('{ "t" : 1,\n  "t": 2 }')],
      ['application/x-www-form-urlencoded', Buffer.from('t=1&t=2&u=%zz')],
    ];
    for (const [type, body] of bodies) {
      const res = await post('/', body, { authorization: DEVICE, 'content-type': type });
      assert.equal(res.status, 202, type);
      const got = sink.received.at(-1)!;
      assert.deepEqual([got.headers['content-type'], got.body.toString('hex')], [type, body.toString('hex')]);
    }
  });

  it('answers 413 above the body limit and 415 for a dialect given the wrong content type', async () => {
    assert.equal((await post('/', JSON.stringify({ pad: 'x'.repeat(2000) }), { authorization: DEVICE })).status, 413);
    assert.equal((await post('/?dialect=senml', 'x', { authorization: DEVICE, 'content-type': 'text/plain' })).status, 415);
  });

  it('decodes a gzip or deflate body within the body limit; answers any other content coding 415 with the ones it takes', async () => {
    const reading = '{"temperature": 21.5}';
    for (const [coding, body] of [['gzip', gzipSync(reading)], ['deflate', deflateSync(reading)]] as const) {
      assert.equal((await post('/', body, { authorization: DEVICE, 'content-encoding': coding })).status, 202, coding);
      assert.equal(sink.received.at(-1)!.body.toString(), reading, `${coding}: the event carries the reading, not its coding`);
    }
    const forwarded = sink.received.length;
    // 2 KB of zeros compress to a few dozen bytes, under the 1 KiB limit: what it decodes to is what counts.
    const bomb = gzipSync(Buffer.alloc(2048));
    assert.ok(bomb.length < 1024);
    assert.equal((await post('/', bomb, { authorization: DEVICE, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' })).status, 413);
    assert.equal((await post('/', Buffer.from('not gzip'), { authorization: DEVICE, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' })).status, 400);
    const br = await post('/', reading, { authorization: DEVICE, 'content-encoding': 'br' });
    assert.equal(br.status, 415);
    assert.equal(br.headers.get('accept-encoding'), 'gzip, deflate, identity');
    assert.equal(sink.received.length, forwarded, 'nothing forwarded for the refused ones');
  });

  it('answers 400 naming the attribute when the request cannot make a valid CloudEvent (a content type that is no media type)', async () => {
    const res = await post('/', 'x', { authorization: DEVICE, 'content-type': 'nonsense' });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /datacontenttype is not valid/);
    assert.equal(sink.received.length, 0);
  });

  it('answers 503 with Retry-After, never 2xx, when the sink fails, is slow or is unreachable', async () => {
    sink.respond = () => ({ status: 500 });
    let res = await post('/', '{"t":1}', { authorization: DEVICE });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '2');
    // The broker says when it expects room: the device is told the same.
    sink.respond = () => ({ status: 503, headers: { 'retry-after': '9' } });
    res = await post('/', '{"t":1}', { authorization: DEVICE });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '9');
    sink.respond = () => ({ status: 202, delayMs: 1000 });
    res = await post('/', '{"t":1}', { authorization: DEVICE });
    assert.equal(res.status, 503);
    process.env['K_SINK'] = `http://127.0.0.1:${await freePort()}/`;
    ingest.init();
    try {
      res = await post('/', '{"t":1}', { authorization: DEVICE });
      assert.equal(res.status, 503);
    } finally {
      process.env['K_SINK'] = sink.url;
      ingest.init();
    }
  });

  it('pipelined to the sink (INGEST_SINK_PIPELINING), answers each request once its own event was accepted', async () => {
    process.env['INGEST_SINK_PIPELINING'] = '8';
    ingest.init();
    try {
      const bodies = Array.from({ length: 40 }, (_, i) => `{"t":${i}}`);
      // Every fifth event the sink refuses: that device, and only that one, is told to retry.
      sink.respond = (r) => ({ status: Number(/\d+/.exec(r.body.toString())![0]) % 5 === 0 ? 500 : 202 });
      const statuses = await Promise.all(bodies.map(async (b) => (await post('/', b, { authorization: DEVICE })).status));
      assert.deepEqual(statuses, bodies.map((_, i) => (i % 5 === 0 ? 503 : 202)));
      assert.deepEqual(sink.received.map((r) => r.body.toString()).sort(), [...bodies].sort());
      const connections = new Set(sink.received.map((r) => r.peerPort)).size;
      assert.ok(connections < 20, `${connections} connections carried 40 events`);
    } finally {
      delete process.env['INGEST_SINK_PIPELINING'];
      ingest.init();
    }
  });

  it('takes a The Things Stack uplink with the webhook secret, and answers 204 to a join', async () => {
    let res = await post('/', JSON.stringify(tts()), { 'x-kiot-webhook-secret': 'demo-webhook-secret' });
    assert.equal(res.status, 202);
    const h = sink.received[0]!.headers;
    assert.equal(h['ce-application'], 'demo');
    assert.equal(h['ce-device'], 'dev1');
    assert.equal(h['ce-lorawanfport'], '1');
    assert.equal(h['ce-kiotdialect'], 'ttsv3');
    assert.equal((await post('/', JSON.stringify(tts()), { 'x-kiot-webhook-secret': 'wrong' })).status, 401);
    const join = { end_device_ids: { device_id: 'dev1', application_ids: { application_id: 'demo-tts' } }, join_accept: {} };
    res = await post('/', JSON.stringify(join), { 'x-kiot-webhook-secret': 'demo-webhook-secret' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('kiot-ignored'), 'ttsv3 join_accept');
  });

  it('forwards SenML with its content type', async () => {
    const res = await post('/', '[{"n":"t","v":1}]', { authorization: DEVICE, 'content-type': 'application/senml+json' });
    assert.equal(res.status, 202);
    assert.equal(sink.received[0]!.headers['content-type'], 'application/senml+json');
    assert.equal(sink.received[0]!.body.toString(), '[{"n":"t","v":1}]');
  });

  it('grants CORS to a listed origin only: never a wildcard, and never `null`, which sandboxed pages send as their origin', async () => {
    for (const origin of ['https://evil.example', 'null', undefined]) {
      const res = await post('/', '{"t":1}', { authorization: DEVICE, ...(origin !== undefined ? { origin } : {}) });
      assert.equal(res.status, 202);
      assert.equal(res.headers.get('access-control-allow-origin'), null, `no Access-Control-Allow-Origin for origin ${String(origin)}`);
      assert.equal(res.headers.get('access-control-allow-methods'), null, 'Allow-Methods belongs to the preflight');
    }
    const ok = await post('/', '{"t":1}', { authorization: DEVICE, origin: 'https://console.example' });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://console.example');
    assert.equal(ok.headers.get('vary'), 'Origin', 'caches keep one answer per origin');
  });

  it('answers a CORS preflight from INGEST_CORS_ORIGINS only (the runtime alone would answer `*`)', async () => {
    const preflight = (origin: string) => fetch(running.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    const refused = await preflight('https://evil.example');
    assert.equal(refused.status, 204);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    const allowed = await preflight('https://console.example');
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://console.example');
    assert.equal(allowed.headers.get('access-control-allow-headers'), 'authorization, content-type');
    assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(allowed.headers.get('vary'), 'Origin');
  });

  it('refuses an address with too many failed authentications (429), whatever it presents next, and no other address, whichever addresses X-Forwarded-For names first', async () => {
    process.env['INGEST_AUTH_FAILURES_PER_MINUTE'] = '3';
    ingest.init();
    try {
      const from = (ip: string, auth: string) => post('/', '{"t":1}', { authorization: auth, 'x-forwarded-for': `${ip}, 10.1.1.1` });
      const wrong = basic('device1@demo', 'guess');
      assert.deepEqual([(await from('192.0.2.7', wrong)).status, (await from('192.0.2.7', wrong)).status, (await from('192.0.2.7', wrong)).status], [401, 401, 401]);
      const blocked = await from('192.0.2.7', DEVICE);
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
      assert.equal((await from('192.0.2.8', wrong)).status, 401, 'another address is not affected');
      assert.equal((await from('192.0.2.8', DEVICE)).status, 202);
      // An attacker at 203.0.113.66 naming a device's address first: the gateway appended its real one.
      for (let i = 0; i < 3; i++) assert.equal((await from('192.0.2.9, 203.0.113.66', wrong)).status, 401);
      assert.equal((await from('192.0.2.9', DEVICE)).status, 202, 'the named address is not locked out');
      assert.equal((await from('198.51.100.77, 203.0.113.66', DEVICE)).status, 429, 'a new made-up entry does not lift the attacker\'s lock');
    } finally {
      delete process.env['INGEST_AUTH_FAILURES_PER_MINUTE'];
      ingest.init();
    }
  });

  it('tells clients apart by their own address when no proxy is in front (npm start): one with bad passwords locks out only itself', async () => {
    process.env['INGEST_AUTH_FAILURES_PER_MINUTE'] = '2';
    ingest.init();
    // Two devices on distinct loopback addresses, no X-Forwarded-For: what the function sees of them is its socket's peer.
    const fromLocal = (localAddress: string, auth: string) => new Promise<number>((resolve, reject) => {
      const req = request(`${running.url}/`, { method: 'POST', localAddress, headers: { authorization: auth, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end('{"t":1}');
    });
    try {
      const wrong = basic('device1@demo', 'guess');
      assert.deepEqual([await fromLocal('127.0.0.2', wrong), await fromLocal('127.0.0.2', wrong), await fromLocal('127.0.0.2', DEVICE)], [401, 401, 429]);
      assert.equal(await fromLocal('127.0.0.3', DEVICE), 202, 'another device is not locked out');
    } finally {
      delete process.env['INGEST_AUTH_FAILURES_PER_MINUTE'];
      ingest.init();
    }
  });

  it('answers 405 with Allow: POST, OPTIONS to every other method on /, in kiot\'s error form; another path stays 404', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${running.url}/?channel=temperature`, { method, headers: { authorization: DEVICE, 'content-type': 'application/json' }, ...(['GET', 'HEAD'].includes(method) ? {} : { body: '{"t":1}' }) });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'POST, OPTIONS', method);
      if (method !== 'HEAD') assert.equal(((await res.json()) as { error: string }).error, 'METHOD_NOT_ALLOWED', method);
    }
    assert.equal((await fetch(`${running.url}/elsewhere`, { method: 'PUT', body: '{}' })).status, 404);
    assert.equal(sink.received.length, 0, 'nothing forwarded');
  });

  it('answers 405 to GET and 429 with Retry-After when a device is above its rate', async () => {
    assert.equal((await fetch(running.url, { headers: { authorization: DEVICE } })).status, 405);
    process.env['INGEST_RATE_BURST'] = '2';
    ingest.init();
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await post('/', '{"t":1}', { authorization: DEVICE })).status);
      assert.deepEqual(statuses, [202, 202, 429, 429]);
      const res = await post('/', '{"t":1}', { authorization: DEVICE });
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    } finally {
      process.env['INGEST_RATE_BURST'] = '1000';
      ingest.init();
    }
  });
});
