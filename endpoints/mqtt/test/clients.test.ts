/** The MQTT endpoint with Debian's mosquitto clients, and over TLS with a real certificate. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { WebSocket } from 'ws';
import { selfSigned } from '../../../test/support/certificates';
import { needService } from '../../../test/support/services';
import { trustedProxies } from '@kiot/core';
import { deviceConnect, startHarness, type Harness } from './support';

function run(cmd: string, args: string[], timeoutMs = 8000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => { clearTimeout(t); resolve({ code, out }); });
  });
}

describe('mqtt endpoint with mosquitto_pub / mosquitto_sub', function () {
  this.timeout(30_000);
  let h: Harness;
  before(async function () {
    if (!existsSync('/usr/bin/mosquitto_pub')) await needService(this, 'mosquitto-clients', 'file:///usr/bin/mosquitto_pub', 'apt-get install mosquitto-clients (scripts/services/install)');
    h = await startHarness();
  });
  after(() => h?.close());

  for (const version of ['mqttv311', 'mqttv5']) {
    it(`mosquitto_pub ${version} QoS 1 is acked once forwarded`, async () => {
      const before = h.sink.received.length;
      const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'demo-secret', '-V', version, '-q', '1', '-t', 'temperature', '-m', `{"temperature":${version.length}}`]);
      assert.equal(r.code, 0, r.out);
      assert.equal(h.sink.received.length, before + 1);
      assert.equal(h.sink.received.at(-1)!.body.toString(), `{"temperature":${version.length}}`);
    });

    it(`mosquitto_pub ${version} with a wrong password is refused`, async () => {
      const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'wrong', '-V', version, '-q', '1', '-t', 'temperature', '-m', '1']);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /not authori[sz]ed|bad user ?name or password|Connection Refused/i);
    });

    it(`mosquitto_pub ${version}: its will is published when it dies, not when it ends`, async () => {
      const wills = () => h.sink.received.filter((e) => e.headers['ce-kiotwill'] === 'true');
      const until = async (check: () => boolean) => { for (let i = 0; i < 150 && !check(); i++) await new Promise((r) => setTimeout(r, 20)); };
      const args = ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'demo-secret', '-V', version, '-q', '1', '-t', 'temperature', '-l', '--will-topic', 'status', '--will-payload', '{"online":false}', '--will-qos', '1'];
      const before = { all: h.sink.received.length, wills: wills().length };
      // -l publishes each line of its input: one reading, then the process is killed.
      const killed = spawn('mosquitto_pub', args);
      killed.stdin.write('{"temperature":1}\n');
      await until(() => h.sink.received.length > before.all);
      killed.kill('SIGKILL');
      await until(() => wills().length > before.wills);
      assert.equal(wills().length, before.wills + 1);
      assert.equal(wills().at(-1)!.body.toString(), '{"online":false}');
      // The end of its input: mosquitto_pub sends DISCONNECT, and the will is discarded.
      const ended = spawn('mosquitto_pub', args);
      ended.stdin.end('{"temperature":2}\n');
      assert.equal(await new Promise((r) => ended.on('exit', r)), 0);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(wills().length, before.wills + 1);
    });

    it(`mosquitto_pub ${version} -r: retain is not available`, async () => {
      const before = h.sink.received.length;
      const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'demo-secret', '-V', version, '-q', '1', '-r', '-t', 'temperature', '-m', '{"temperature":4}']);
      if (version === 'mqttv5') {
        // The CONNACK says Retain Available 0: libmosquitto then publishes without the flag, and the reading goes on.
        assert.equal(r.code, 0, r.out);
        assert.equal(h.sink.received.length, before + 1);
      } else {
        // 3.1.1 has no way to say so before: the retained PUBLISH closes the connection, and nothing is forwarded.
        assert.notEqual(r.code, 0, r.out);
        assert.equal(h.sink.received.length, before);
      }
    });

    it(`mosquitto_sub ${version} is refused a subscription`, async () => {
      const r = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'demo-secret', '-V', version, '-t', 'temperature', '-C', '1', '-W', '3']);
      // mosquitto_sub reports the SUBACK failure and stops at once (it would otherwise wait -W 3 seconds).
      assert.match(r.out, /All subscription requests were denied/);
    });
  }

  it('mosquitto_pub -V mqttv31 (MQTT 3.1) is refused: unacceptable protocol version, nothing forwarded', async () => {
    const before = h.sink.received.length;
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'demo-secret', '-V', 'mqttv31', '-q', '1', '-t', 'temperature', '-m', '{"temperature":31}']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /unacceptable protocol version/i);
    assert.equal(h.sink.received.length, before);
  });

  it('mosquitto_pub -V 5 hands its Content Type and user properties on as attributes', async () => {
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'demo-secret', '-V', 'mqttv5', '-q', '1', '-t', 'senml',
      '-D', 'publish', 'content-type', 'application/senml+json', '-D', 'publish', 'user-property', 'Site', 'lab-2', '-m', '[{"n":"temp","v":23.1}]']);
    assert.equal(r.code, 0, r.out);
    const ev = h.sink.received.at(-1)!;
    assert.equal(ev.headers['content-type'], 'application/senml+json');
    assert.equal(ev.headers['ce-mqttsite'], 'lab-2');
    assert.equal(ev.headers['ce-subject'], 'senml');
  });
});

describe('mqtt endpoint over TLS', function () {
  this.timeout(30_000);
  let h: Harness;
  let dir: string;
  before(async () => {
    dir = selfSigned('localhost').dir;
    h = await startHarness({ tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem'), wssPort: 0 });
  });
  after(() => h?.close());

  it('accepts MQTT.js over TLS with the server certificate trusted, and refuses it untrusted', async () => {
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${h.endpoint.tlsPort}`, { username: 'device1@demo', password: 'demo-secret', ca: readFileSync(join(dir, 'cert.pem')), reconnectPeriod: 0, protocolVersion: 5 });
    await c.publishAsync('temperature', '{"temperature":2}', { qos: 1 });
    await c.endAsync();
    assert.equal(h.sink.received.at(-1)!.body.toString(), '{"temperature":2}');
    await assert.rejects(mqtt.connectAsync(`mqtts://127.0.0.1:${h.endpoint.tlsPort}`, { username: 'device1@demo', password: 'demo-secret', reconnectPeriod: 0, connectTimeout: 2000 }));
  });

  it('accepts MQTT.js over wss:// (MQTT_WSS_PORT) with the same certificate, and refuses it untrusted', async () => {
    const c = await mqtt.connectAsync(`wss://127.0.0.1:${h.endpoint.wssPort}`, { username: 'device1@demo', password: 'demo-secret', ca: readFileSync(join(dir, 'cert.pem')), reconnectPeriod: 0, protocolVersion: 5 });
    await c.publishAsync('temperature', '{"temperature":7}', { qos: 1 });
    await c.endAsync();
    assert.equal(h.sink.received.at(-1)!.body.toString(), '{"temperature":7}');
    await assert.rejects(mqtt.connectAsync(`wss://127.0.0.1:${h.endpoint.wssPort}`, { username: 'device1@demo', password: 'demo-secret', reconnectPeriod: 0, connectTimeout: 2000 }));
  });

  it('serves a renewed certificate to new connections once its files change (as cert-manager renews a Secret)', async () => {
    const served = (port: number | undefined): Promise<string> => new Promise((resolve, reject) => {
      if (port === undefined) return reject(new Error('that listener is not running'));
      const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate().subject.CN as string);
        s.destroy();
      });
      s.on('error', reject);
    });
    assert.equal(await served(h.endpoint.tlsPort), 'localhost');
    assert.equal(await served(h.endpoint.wssPort), 'localhost');
    const open = await mqtt.connectAsync(`mqtts://127.0.0.1:${h.endpoint.tlsPort}`, { username: 'device1@demo', password: 'demo-secret', ca: readFileSync(join(dir, 'cert.pem')), reconnectPeriod: 0, protocolVersion: 5 });
    const next = selfSigned('renewed');
    writeFileSync(join(dir, 'key.pem'), next.key);
    writeFileSync(join(dir, 'cert.pem'), next.cert);
    let cn = '';
    for (let i = 0; i < 50 && cn !== 'renewed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      cn = await served(h.endpoint.tlsPort);
    }
    assert.equal(cn, 'renewed');
    // The wss listener follows the same files on its own watch.
    for (let i = 0; i < 50 && cn !== 'renewed-wss'; i++) {
      if ((await served(h.endpoint.wssPort)) === 'renewed') cn = 'renewed-wss';
      else await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(cn, 'renewed-wss', 'wss serves the renewed certificate too');
    const renewed = await mqtt.connectAsync(`mqtts://127.0.0.1:${h.endpoint.tlsPort}`, { username: 'device1@demo', password: 'demo-secret', ca: next.cert, reconnectPeriod: 0, protocolVersion: 5 });
    await renewed.publishAsync('temperature', '{"temperature":5}', { qos: 1 });
    // The connection opened before the renewal carries on.
    await open.publishAsync('temperature', '{"temperature":6}', { qos: 1 });
    await Promise.all([renewed.endAsync(), open.endAsync()]);
    assert.deepEqual(h.sink.received.slice(-2).map((e) => e.body.toString()), ['{"temperature":5}', '{"temperature":6}']);
  });

  it('accepts mosquitto_pub over TLS', async function () {
    if (!existsSync('/usr/bin/mosquitto_pub')) return this.skip();
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.endpoint.tlsPort), '--cafile', join(dir, 'cert.pem'), '-u', 'device1@demo', '-P', 'demo-secret', '-q', '1', '-t', 'temperature', '-m', '{"temperature":3}']);
    assert.equal(r.code, 0, r.out);
    assert.equal(h.sink.received.at(-1)!.body.toString(), '{"temperature":3}');
  });
});

describe('mqtt endpoint over WebSocket, and its connection limit', function () {
  this.timeout(20_000);
  /** A CONNECT over ws from a local address (with X-Forwarded-For, as an ingress adds it): 0 when accepted, else the CONNACK's code. */
  const attempt = (h: Harness, password: string, localAddress: string, forwardedFor?: string) => mqtt.connectAsync(`ws://127.0.0.1:${h.endpoint.wsPort}`, { username: 'device1@demo', password, reconnectPeriod: 0, protocolVersion: 5, wsOptions: { localAddress, ...(forwardedFor !== undefined ? { headers: { 'x-forwarded-for': forwardedFor } } : {}) } })
    .then(async (c) => { await c.endAsync(); return 0; }, (e: { code?: number }) => e.code);

  it('accepts MQTT.js over ws:// (subprotocol mqtt) with the same rules', async () => {
    const h = await startHarness({ wsPort: 0 });
    try {
      const c = await mqtt.connectAsync(`ws://127.0.0.1:${h.endpoint.wsPort}`, { username: 'device1@demo', password: 'demo-secret', reconnectPeriod: 0, protocolVersion: 5 });
      await c.publishAsync('temperature', '{"temperature":4}', { qos: 1 });
      await c.endAsync();
      assert.equal(h.sink.received.at(-1)!.body.toString(), '{"temperature":4}');
      await assert.rejects(mqtt.connectAsync(`ws://127.0.0.1:${h.endpoint.wsPort}`, { username: 'device1@demo', password: 'wrong', reconnectPeriod: 0, protocolVersion: 5 }), (e: { code?: number }) => e.code === 0x86);
    } finally {
      await h.close();
    }
  });

  it('closes a WebSocket connection that sends a text frame, as MQTT over WebSocket has binary frames only, forwarding nothing of it', async () => {
    const h = await startHarness({ wsPort: 0 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${h.endpoint.wsPort}`, 'mqtt');
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      const answers: Buffer[] = [];
      ws.on('message', (m: Buffer) => answers.push(m));
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.send(deviceConnect(5, 'texting'));
      while (answers.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.equal(answers[0]![0], 0x20, 'CONNACK to a binary CONNECT');
      // A PUBLISH whose bytes are all ASCII, so the text frame is valid UTF-8 and only its type is wrong.
      ws.send(mqttPacket.generate({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('{"t":1}'), qos: 0, retain: false, dup: false }, { protocolVersion: 5 }).toString('latin1'), { binary: false });
      await closed;
      assert.equal(h.sink.received.length, 0);
      assert.equal(h.endpoint.metrics.get('kiot_mqtt_closed_total{why="socket error"}'), 1);
    } finally {
      await h.close();
    }
  });

  it('over WebSocket too, keys the failed-CONNECT limit on each client\'s address: one guessing locks out only itself', async () => {
    const h = await startHarness({ wsPort: 0, authFailuresPerMinute: 2 });
    // Two clients on distinct loopback addresses, as two devices on the network.
    const from = (localAddress: string, password: string) => attempt(h, password, localAddress);
    try {
      assert.deepEqual([await from('127.0.0.2', 'wrong'), await from('127.0.0.2', 'wrong'), await from('127.0.0.2', 'demo-secret')], [0x86, 0x86, 0x97]);
      assert.equal(await from('127.0.0.3', 'demo-secret'), 0, 'another address connects');
    } finally {
      await h.close();
    }
  });

  it('behind a trusted proxy (an ingress), keys the limit on the client X-Forwarded-For names: one guessing locks out only itself', async () => {
    // The ingress at 127.0.0.2, trusted; every client reaches the endpoint through it.
    const h = await startHarness({ wsPort: 0, authFailuresPerMinute: 2, wsTrustedProxies: trustedProxies(['127.0.0.2']).proxies });
    const via = (forwardedFor: string, password: string) => attempt(h, password, '127.0.0.2', forwardedFor);
    try {
      assert.deepEqual([await via('203.0.113.7', 'wrong'), await via('203.0.113.7', 'wrong'), await via('203.0.113.7', 'demo-secret')], [0x86, 0x86, 0x97]);
      assert.equal(await via('203.0.113.8', 'demo-secret'), 0, 'another client behind the same ingress connects');
      // The entries a client writes itself come first: the ingress appends the address it saw, and that one counts.
      assert.equal(await via('203.0.113.8, 203.0.113.7', 'demo-secret'), 0x97, 'a client that prepends another address is still itself');
    } finally {
      await h.close();
    }
  });

  it('believes no X-Forwarded-For from a peer outside MQTT_WS_TRUSTED_PROXIES: a made-up address per attempt does not escape the limit', async () => {
    const h = await startHarness({ wsPort: 0, authFailuresPerMinute: 2, wsTrustedProxies: trustedProxies(['127.0.0.2']).proxies });
    const from = (forwardedFor: string, password: string) => attempt(h, password, '127.0.0.3', forwardedFor);
    try {
      assert.deepEqual([await from('198.51.100.1', 'wrong'), await from('198.51.100.2', 'wrong'), await from('198.51.100.3', 'demo-secret')], [0x86, 0x86, 0x97]);
    } finally {
      await h.close();
    }
  });

  it('refuses connections beyond MQTT_MAX_CONNECTIONS with a CONNACK in their version (v5 0x89 server busy, v3.1.1 3), and counts them', async () => {
    const h = await startHarness({ maxConnections: 2 });
    const clients: mqtt.MqttClient[] = [];
    const opened: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) clients.push(await mqtt.connectAsync(h.url, { username: 'device1@demo', password: 'demo-secret', reconnectPeriod: 0, clientId: `max-${i}` }));
      for (const [protocolVersion, code] of [[5, 0x89], [4, 3]] as const) {
        await assert.rejects(mqtt.connectAsync(h.url, { username: 'device1@demo', password: 'demo-secret', reconnectPeriod: 0, protocolVersion, clientId: `over-${protocolVersion}` }), (e: { code?: number }) => e.code === code, `MQTT ${protocolVersion}`);
      }
      assert.equal(h.endpoint.metrics.get('kiot_mqtt_connections_refused_total'), 2);
      // A connection over the limit that sends no CONNECT is closed after the CONNECT timeout; a flood beyond 64 of them at once.
      const closedAfter = (s: Socket) => new Promise<number>((resolve) => { const t0 = Date.now(); s.on('close', () => resolve(Date.now() - t0)); });
      const raw = () => { const s = connect(h.endpoint.port, '127.0.0.1'); s.on('error', () => undefined); s.resume(); opened.push(s); return s; };
      const waiting = Array.from({ length: 64 }, () => closedAfter(raw()));
      await new Promise((r) => setTimeout(r, 100));
      const flood = await closedAfter(raw());
      assert.ok(flood < 300, `the 65th waiting connection closed after ${flood} ms`);
      const waited = await Promise.all(waiting);
      assert.ok(Math.min(...waited) >= 400, `a refusal waited ${Math.min(...waited)} ms for its CONNECT (timeout 500)`);
      await clients[0]!.publishAsync('temperature', '1', { qos: 1 });
      assert.equal(h.sink.received.length, 1, 'the connections within the limit carry on');
    } finally {
      opened.forEach((s) => s.destroy());
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await h.close();
    }
  });
});
