/**
 * A registry reload reaches open MQTT connections: a device removed, disabled or given a new
 * password is disconnected (v5 0x98, administrative action); the others stay, with their gateway
 * rights as the registry now writes them. In-process, then through the built endpoint and `kiot`.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import mqtt from 'mqtt';
import { parseRegistry, type Registry } from '@kiot/core';
import { identityUnder } from '../src/revocation';
import { freePort } from '../../../test/support/runtime';
import { startSink, type TestSink } from '../../../test/support/sink';
import { client, DEVICE, disconnectReason, freshHarness, GATEWAY, REGISTRY } from './support';

const ROOT = join(__dirname, '../../..');
type Doc = { applications: Record<string, { enabled?: boolean; devices: Record<string, { password?: string; enabled?: boolean; gatewayFor?: string[] }> }> };
/** The demo registry, edited. */
const registry = (edit: (doc: Doc) => void = () => undefined): Registry => {
  const doc = load(readFileSync(REGISTRY, 'utf8')) as Doc;
  edit(doc);
  return parseRegistry(doc);
};
const demo = (doc: Doc) => doc.applications['demo']!;

describe('mqtt endpoint: a registry reload reaches open connections', function () {
  this.timeout(20_000);

  it('keeps an identity the new registry still allows, with its new rights, and drops one it does not', () => {
    const id = { application: 'demo', device: 'gateway1', entry: registry().applications['demo']!.devices['gateway1']! };
    assert.deepEqual(identityUnder(registry((d) => { demo(d).devices['gateway1']!.gatewayFor = ['device1']; }), id)?.entry.gatewayFor, ['device1']);
    const refusals: [string, (d: Doc) => void][] = [
      ['removed', (d) => { delete demo(d).devices['gateway1']; }],
      ['disabled', (d) => { demo(d).devices['gateway1']!.enabled = false; }],
      ['application disabled', (d) => { demo(d).enabled = false; }],
      ['application removed', (d) => { delete d.applications['demo']; d.applications['other'] = { devices: {} }; }],
      ['new password', (d) => { demo(d).devices['gateway1']!.password = demo(d).devices['device1']!.password!; }],
    ];
    for (const [what, edit] of refusals) assert.equal(identityUnder(registry(edit), id), undefined, what);
  });

  describe('in-process', () => {
    const ctx = freshHarness();

    it('disconnects a disabled device (v5: DISCONNECT 0x98; 3.1.1: closed) without its will; the gateway stays, with the rights now written', async () => {
      const v5 = await client(ctx.h, { ...DEVICE, protocolVersion: 5, clientId: 'rev-v5', will: { topic: 'status', payload: Buffer.from('{"online":false}'), qos: 1, retain: false } });
      const v3 = await client(ctx.h, { ...DEVICE, protocolVersion: 4, clientId: 'rev-v3' });
      const gw = await client(ctx.h, { ...GATEWAY, protocolVersion: 5, clientId: 'rev-gw' });
      // Allowed before the reload (gatewayFor "*"): the connection has this topic's route worked out already.
      await gw.publishAsync('temperature/device1', '{"t":0}', { qos: 1 });
      const reason = disconnectReason(v5);
      const v3Closed = new Promise<void>((resolve) => v3.once('close', () => resolve()));
      const revoked = ctx.h.endpoint.recheck(registry((d) => { demo(d).devices['device1']!.enabled = false; demo(d).devices['gateway1']!.gatewayFor = ['sensor9']; }));
      assert.equal(revoked, 2);
      assert.equal(await reason, 0x98);
      await v3Closed;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(ctx.h.sink.received.filter((e) => e.headers['ce-kiotwill'] === 'true').length, 0, 'no will from a revoked device');
      assert.equal(ctx.h.endpoint.metrics.get('kiot_mqtt_revoked_total'), 2);
      assert.equal(gw.connected, true);
      await gw.publishAsync('temperature/sensor9', '{"t":1}', { qos: 1 });
      await assert.rejects(gw.publishAsync('temperature/device1', '{"t":2}', { qos: 1 }), (err: { code?: number }) => err.code === 0x87);
      assert.equal(ctx.h.sink.received.at(-1)!.headers['ce-device'], 'sensor9');
    });
  });

  describe('in-process, a CONNECT under way', () => {
    const ctx = freshHarness();

    it('holds a CONNECT still being verified (scrypt) when the registry is reloaded to the reloaded registry too', async () => {
      const c = mqtt.connect(ctx.h.url, { ...DEVICE, protocolVersion: 5, clientId: 'rev-race', reconnectPeriod: 0 });
      const outcome = new Promise<string>((resolve) => {
        c.once('disconnect', (p) => resolve(`disconnected 0x${(p.reasonCode ?? 0).toString(16)}`));
        c.once('error', (e: Error & { code?: number }) => resolve(`refused 0x${(e.code ?? 0).toString(16)}`));
        c.once('connect', () => setTimeout(() => resolve(c.connected ? 'still connected' : 'closed'), 500));
      });
      // The CONNECT is in flight: its password takes scrypt tens of milliseconds; the reload lands meanwhile.
      await new Promise((r) => c.stream.once('connect', r));
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(ctx.h.endpoint.recheck(registry((d) => { demo(d).devices['device1']!.enabled = false; })), 0, 'no session was open yet');
      assert.equal(await outcome, 'disconnected 0x98');
      c.end(true);
    });
  });

  describe('the built endpoint, its registry edited with kiot', () => {
    let sink: TestSink;
    let endpoint: ChildProcess;
    let url = '';
    let logs = '';
    const file = join(mkdtempSync(join(tmpdir(), 'kiot-revoke-')), 'registry.yaml');
    const kiot = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'packages/cli/build/kiot.js'), ...args, '--registry', file], { encoding: 'utf8' });

    before(async () => {
      copyFileSync(REGISTRY, file);
      sink = await startSink();
      const [port, metrics] = [await freePort(), await freePort()];
      url = `mqtt://127.0.0.1:${port}`;
      endpoint = spawn(process.execPath, [join(ROOT, 'endpoints/mqtt/build/main.js')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MQTT_HOST: '127.0.0.1', MQTT_PORT: String(port), MQTT_METRICS_PORT: String(metrics), K_SINK: sink.url, MQTT_REGISTRY_FILE: file } });
      endpoint.stdout!.on('data', (d) => (logs += d));
      endpoint.stderr!.on('data', (d) => (logs += d));
      for (let i = 0; i < 100 && !logs.includes('mqtt endpoint ready'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(logs, /mqtt endpoint ready/);
    });
    after(async () => {
      endpoint?.kill('SIGTERM');
      await sink?.close();
    });

    it('kiot device disable cuts the connected device off within the reload interval; enable lets it back in', async () => {
      const c = await mqtt.connectAsync(url, { ...DEVICE, protocolVersion: 5, clientId: 'rev-proc', reconnectPeriod: 0 });
      await c.publishAsync('temperature', '{"t":1}', { qos: 1 });
      const reason = disconnectReason(c);
      const t0 = Date.now();
      assert.equal(kiot('device', 'disable', 'demo', 'device1').status, 0);
      assert.equal(await reason, 0x98);
      const ms = Date.now() - t0;
      assert.ok(ms < 6000, `disconnected ${ms} ms after the edit`);
      // Logged right after the disconnect, through a pipe.
      for (let i = 0; i < 40 && !logs.includes('"disconnected":1'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(logs, /"msg":"device registry reloaded","disconnected":1/);
      await c.endAsync(true);
      await assert.rejects(mqtt.connectAsync(url, { ...DEVICE, protocolVersion: 5, reconnectPeriod: 0 }), (err: { code?: number }) => err.code === 0x87);
      assert.equal(kiot('device', 'enable', 'demo', 'device1').status, 0);
      let back: mqtt.MqttClient | undefined;
      for (let i = 0; i < 60 && back === undefined; i++) back = await mqtt.connectAsync(url, { ...DEVICE, protocolVersion: 5, reconnectPeriod: 0 }).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)));
      assert.ok(back, 'enabled again, it connects');
      await back.publishAsync('temperature', '{"t":2}', { qos: 1 });
      await back.endAsync();
      assert.deepEqual(sink.received.map((e) => e.body.toString()), ['{"t":1}', '{"t":2}']);
    });
  });
});
