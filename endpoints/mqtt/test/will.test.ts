/**
 * Will Messages with MQTT.js: published as a raw event marked `kiotwill` when a connection ends
 * without a normal DISCONNECT, never after one, never on kiot's own shutdown; a will that could
 * never be delivered is refused at CONNECT.
 */
import { strict as assert } from 'node:assert';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { BinaryEvent } from '@kiot/core';
import type { Received } from '../../../test/support/sink';
import { sendWill } from '../src/will';
import { client, closed, connackOf, DEVICE, deviceConnect, freshHarness, GATEWAY, raw, type Harness } from './support';

const WILL = { topic: 'status', payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: false };
const wills = (h: Harness): Received[] => h.sink.received.filter((e) => e.headers['ce-kiotwill'] === 'true');

async function willsAfter(h: Harness, ms: number, expected: number): Promise<Received[]> {
  for (let waited = 0; waited < ms && wills(h).length < expected; waited += 20) await new Promise((r) => setTimeout(r, 20));
  return wills(h);
}

/** Ends the TCP connection under the client, as a device losing power or network does. */
function drop(c: MqttClient): void {
  c.stream.destroy();
}

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1';
  describe(`mqtt endpoint will messages, ${v}`, function () {
    this.timeout(15_000);
    const ctx = freshHarness();
    const opts = (extra: IClientOptions = {}): IClientOptions => ({ ...DEVICE, protocolVersion, will: WILL, ...extra });

    it('publishes the will as a raw event marked kiotwill when the connection drops', async () => {
      const c = await client(ctx.h, opts());
      await c.publishAsync('temperature', '21.5', { qos: 1 });
      drop(c);
      const [will] = await willsAfter(ctx.h, 3000, 1);
      assert.ok(will, 'the will reached the sink');
      assert.equal(will.headers['ce-type'], 'io.kiot.telemetry.raw.v1');
      assert.equal(will.headers['ce-source'], 'kiot://demo/device1');
      assert.equal(will.headers['ce-subject'], 'status');
      assert.equal(will.headers['content-type'], 'application/json');
      assert.equal(will.body.toString(), '{"online":false}');
      // The readings before it were not marked.
      assert.equal(ctx.h.sink.received.filter((e) => e.headers['ce-kiotwill'] === undefined).length, 1);
    });

    it('hands the will over again while the sink refuses it, the same event each time', async () => {
      let attempts = 0;
      ctx.h.sink.respond = (r) => (r.headers['ce-kiotwill'] === 'true' && ++attempts <= 2 ? { status: 503 } : { status: 202 });
      const c = await client(ctx.h, opts());
      drop(c);
      const sent = await willsAfter(ctx.h, 5000, 3);
      assert.equal(sent.length, 3, 'two refusals, then taken');
      assert.equal(new Set(sent.map((e) => e.headers['ce-id'])).size, 1);
      for (let i = 0; i < 50 && ctx.h.endpoint.metrics.get('kiot_mqtt_wills_total{result="forwarded"}') === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(ctx.h.endpoint.metrics.get('kiot_mqtt_wills_total{result="forwarded"}'), 1);
    });

    it('discards the will after a normal DISCONNECT', async () => {
      const c = await client(ctx.h, opts());
      await c.endAsync();
      assert.deepEqual(await willsAfter(ctx.h, 500, 1), []);
    });

    it('publishes the older connection\'s will when a newer one takes its client id', async () => {
      const clientId = `will-takeover-${protocolVersion}`;
      const first = await client(ctx.h, opts({ clientId }));
      const gone = new Promise<void>((r) => first.once('close', () => r()));
      await client(ctx.h, { ...DEVICE, protocolVersion, clientId });
      await gone;
      assert.equal((await willsAfter(ctx.h, 3000, 1)).length, 1);
    });

    it('publishes the will of a connection closed for a silent keep-alive', async () => {
      const s = await raw(ctx.h);
      s.write(deviceConnect(protocolVersion, `ka-will-${protocolVersion}`, { keepalive: 1, will: WILL }));
      await closed(s, 5000);
      assert.equal((await willsAfter(ctx.h, 3000, 1)).length, 1);
    });

    it('lets a gateway leave a will for a device it publishes for, and refuses one for a device it may not', async () => {
      const gw = await client(ctx.h, { ...GATEWAY, protocolVersion, will: { ...WILL, topic: 'status/device2' } });
      drop(gw);
      const [will] = await willsAfter(ctx.h, 3000, 1);
      assert.equal(will?.headers['ce-source'], 'kiot://demo/device2');
      assert.equal(will?.headers['ce-sender'], 'gateway1');
      const refused = await connackOf(ctx.h, opts({ will: { ...WILL, topic: 'status/device2' } }));
      assert.equal(refused.error?.code, protocolVersion === 5 ? 0x87 : 5);
    });

    it('refuses at CONNECT a will it could not deliver: retained, QoS 2, a bad topic', async () => {
      const codes = protocolVersion === 5 ? [0x9a, 0x9b, 0x90] : [5, 5, 5];
      const cases = [{ ...WILL, retain: true }, { ...WILL, qos: 2 as const }, { ...WILL, topic: 'status/+' }];
      for (const [i, will] of cases.entries()) assert.equal((await connackOf(ctx.h, opts({ will }))).error?.code, codes[i], JSON.stringify(will));
      assert.equal(ctx.h.sink.received.length, 0);
    });
  });
}

describe('mqtt endpoint will messages, MQTT 5.0 specifics', function () {
  this.timeout(15_000);
  const ctx = freshHarness();

  it('publishes the will after DISCONNECT 0x04 (disconnect with will message)', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5, will: WILL });
    await c.endAsync(false, { reasonCode: 0x04 });
    assert.equal((await willsAfter(ctx.h, 3000, 1)).length, 1);
  });

  it('publishes the will after a DISCONNECT that raises the session expiry kiot set to 0 (a protocol error, not a normal end)', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5, will: WILL });
    await c.endAsync(false, { reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    assert.equal((await willsAfter(ctx.h, 3000, 1)).length, 1);
    assert.equal(ctx.h.endpoint.metrics.get('kiot_mqtt_protocol_errors_total{reason="0x82"}'), 1);
  });

  it('maps the will\'s content type and user properties as a PUBLISH\'s', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5, will: { ...WILL, payload: Buffer.from('offline'), properties: { contentType: 'text/plain', userProperties: { reason: 'power' } } } });
    drop(c);
    const [will] = await willsAfter(ctx.h, 3000, 1);
    assert.equal(will?.headers['content-type'], 'text/plain');
    assert.equal(will?.headers['ce-mqttreason'], 'power');
    assert.equal(will?.body.toString(), 'offline');
  });

  it('publishes no will when kiot itself shuts down', async () => {
    await client(ctx.h, { ...DEVICE, protocolVersion: 5, will: WILL });
    await ctx.h.endpoint.shutdown();
    assert.deepEqual(await willsAfter(ctx.h, 500, 1), []);
  });
});

describe('sendWill', () => {
  it('tries once, then once after each delay, and reports a will the sink never took', async () => {
    let calls = 0;
    const event = { headers: {}, body: Buffer.from('{}') } as unknown as BinaryEvent;
    const taken = await sendWill(async () => {
      calls++;
      throw new Error('sink down');
    }, event, [1, 1]);
    assert.equal(taken, false);
    assert.equal(calls, 3);
    assert.equal(await sendWill(async () => undefined, event, [1, 1]), true);
  });
});
