/** The MQTT endpoint with Debian's mosquitto clients, and over TLS with a real certificate. */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { needService } from '../../../test/support/services';
import { startHarness, type Harness } from './support';

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

    it(`mosquitto_sub ${version} is refused a subscription`, async () => {
      const r = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(h.endpoint.port), '-u', 'device1@demo', '-P', 'demo-secret', '-V', version, '-t', 'temperature', '-C', '1', '-W', '3']);
      // mosquitto_sub reports the SUBACK failure and stops at once (it would otherwise wait -W 3 seconds).
      assert.match(r.out, /All subscription requests were denied/);
    });
  }
});

describe('mqtt endpoint over TLS', function () {
  this.timeout(30_000);
  let h: Harness;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiot-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    h = await startHarness({ tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem') });
  });
  after(() => h?.close());

  it('accepts MQTT.js over TLS with the server certificate trusted, and refuses it untrusted', async () => {
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${h.endpoint.tlsPort}`, { username: 'device1@demo', password: 'demo-secret', ca: execFileSync('cat', [join(dir, 'cert.pem')]), reconnectPeriod: 0, protocolVersion: 5 });
    await c.publishAsync('temperature', '{"temperature":2}', { qos: 1 });
    await c.endAsync();
    assert.equal(h.sink.received.at(-1)!.body.toString(), '{"temperature":2}');
    await assert.rejects(mqtt.connectAsync(`mqtts://127.0.0.1:${h.endpoint.tlsPort}`, { username: 'device1@demo', password: 'demo-secret', reconnectPeriod: 0, connectTimeout: 2000 }));
  });

  it('accepts mosquitto_pub over TLS', async function () {
    if (!existsSync('/usr/bin/mosquitto_pub')) return this.skip();
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.endpoint.tlsPort), '--cafile', join(dir, 'cert.pem'), '-u', 'device1@demo', '-P', 'demo-secret', '-q', '1', '-t', 'temperature', '-m', '{"temperature":3}']);
    assert.equal(r.code, 0, r.out);
    assert.equal(h.sink.received.at(-1)!.body.toString(), '{"temperature":3}');
  });
});
