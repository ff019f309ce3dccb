/**
 * The broker's Retry-After: while it runs, publishes fail at once instead of going to a broker
 * that asked to be left alone. SinkPause alone with a clock, then MQTT.js against a real HTTP sink.
 */
import { strict as assert } from 'node:assert';
import mqtt from 'mqtt';
import type mqttPacket from 'mqtt-packet';
import { KiotError, SinkUnavailable } from '@kiot/core';
import { SinkPause } from '../src/sink-pause';
import { client, closeClients, DEVICE, startHarness, tracked, type Harness } from './support';

describe('SinkPause', () => {
  let t = 1_000_000;
  const now = (): number => t;
  const said = (status: number | undefined, seconds: number | undefined): SinkUnavailable => new SinkUnavailable('the event sink answered', 1, status, seconds);

  it('holds forwards back for the seconds the sink asked, counting down, then lets them go', () => {
    const p = new SinkPause(60_000, now);
    assert.equal(p.held(), undefined);
    p.learn(said(503, 5));
    const held = p.held();
    assert.ok(held instanceof SinkUnavailable);
    assert.deepEqual([held.sinkStatus, held.sinkRetryAfter, held.headers['retry-after'], held.message], [503, 5, '5', 'the event sink asked to wait: retry in 5 s']);
    t += 3_500;
    assert.equal(p.held()?.sinkRetryAfter, 2, 'seconds left, rounded up');
    t += 1_500;
    assert.equal(p.held(), undefined);
  });

  it('takes at most its maximum, and nothing with a maximum of 0', () => {
    const p = new SinkPause(2_000, now);
    p.learn(said(429, 3600));
    assert.deepEqual([p.held()?.sinkRetryAfter, p.held()?.sinkStatus], [2, 429]);
    t += 2_001;
    assert.equal(p.held(), undefined);
    const never = new SinkPause(0, now);
    never.learn(said(503, 30));
    assert.equal(never.held(), undefined);
  });

  it('learns nothing from a failure the sink gave no wait for (no answer, no Retry-After, not the sink)', () => {
    const p = new SinkPause(60_000, now);
    p.learn(said(undefined, undefined));
    p.learn(said(500, undefined));
    p.learn(new KiotError('INTERNAL', 'a bug'));
    p.learn(new Error('x'));
    assert.equal(p.held(), undefined);
  });

  it('keeps the longer of two waits', () => {
    const p = new SinkPause(60_000, now);
    p.learn(said(503, 10));
    p.learn(said(429, 2));
    assert.deepEqual([p.held()?.sinkRetryAfter, p.held()?.sinkStatus], [10, 503]);
  });
});

describe('mqtt endpoint while the broker asks to wait (Retry-After), with MQTT.js', function () {
  this.timeout(15_000);
  let h: Harness;
  /** The sink's first answer; every later one is 202. */
  const failOnce = (status: number, headers: Record<string, string> = {}): void => {
    let first = true;
    h.sink.respond = () => {
      const answer = first ? { status, headers } : { status: 202 };
      first = false;
      return answer;
    };
  };
  const reasonStrings = (c: mqtt.MqttClient): string[] => {
    const got: string[] = [];
    c.on('packetreceive', (p) => { if (p.cmd === 'puback') got.push(String((p as mqttPacket.IPubackPacket).properties?.reasonString)); });
    return got;
  };
  const codeOf = (c: mqtt.MqttClient, payload: string, qos: 0 | 1 = 1): Promise<number> =>
    c.publishAsync('temperature', payload, { qos }).then(() => 0, (e: { code?: number }) => e.code ?? -1);
  beforeEach(async () => { h = await startHarness({ sinkPauseMaxMs: 1500 }); });
  afterEach(async () => {
    await closeClients();
    await h.close();
  });

  it('MQTT 5.0: after a 503 with Retry-After, fails publishes at once with 0x80 and the seconds left, sends nothing to the sink, and forwards again once the wait is over', async () => {
    failOnce(503, { 'retry-after': '30' });
    const c = await client(h, { ...DEVICE, protocolVersion: 5 });
    const reasons = reasonStrings(c);
    assert.equal(await codeOf(c, '{"t":1}'), 0x80);
    const t0 = Date.now();
    assert.equal(await codeOf(c, '{"t":2}'), 0x80);
    await codeOf(c, '{"t":3}', 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.sink.received.length, 1, 'nothing went to the sink while it asked to wait (QoS 0 neither)');
    assert.deepEqual(reasons, ['the event sink answered 503', 'the event sink asked to wait: retry in 2 s']);
    assert.deepEqual(['1', '0'].map((qos) => h.endpoint.metrics.get(`kiot_mqtt_forwards_held_total{qos="${qos}"}`)), [1, 1]);
    // MQTT_SINK_PAUSE_MAX_MS (1.5 s here) caps the broker's 30 s.
    await new Promise((r) => setTimeout(r, 1600 - (Date.now() - t0)));
    assert.equal(await codeOf(c, '{"t":2}'), 0);
    assert.deepEqual(h.sink.received.map((r) => r.body.toString()), ['{"t":1}', '{"t":2}']);
  });

  it('MQTT 5.0: a 429 from the sink is PUBACK 0x97 (quota exceeded), and so is every publish while its wait runs', async () => {
    failOnce(429, { 'retry-after': '1' });
    const c = await client(h, { ...DEVICE, protocolVersion: 5 });
    assert.deepEqual([await codeOf(c, '1'), await codeOf(c, '2')], [0x97, 0x97]);
    assert.equal(h.sink.received.length, 1);
  });

  it('a failure without Retry-After holds nothing back: the next publish is forwarded', async () => {
    failOnce(503);
    const c = await client(h, { ...DEVICE, protocolVersion: 5 });
    assert.deepEqual([await codeOf(c, '1'), await codeOf(c, '2')], [0x80, 0]);
    assert.equal(h.sink.received.length, 2);
  });

  it('MQTT 3.1.1: the client is closed without PUBACK while the wait runs, resends after each reconnect without reaching the sink, and its message is delivered once the wait is over', async () => {
    failOnce(503, { 'retry-after': '30' });
    const c = tracked(mqtt.connect(h.url, { ...DEVICE, protocolVersion: 4, reconnectPeriod: 100, connectTimeout: 2000, clientId: 'pause-v3' }));
    await new Promise((r) => c.once('connect', r));
    await c.publishAsync('temperature', '{"t":1}', { qos: 1 });
    const held = h.endpoint.metrics.get('kiot_mqtt_forwards_held_total{qos="1"}');
    assert.ok(held >= 3, `the client reconnected and resent during the wait (${held} times held back)`);
    assert.equal(h.endpoint.metrics.get('kiot_mqtt_closed_unacked_total'), held + 1, 'each resend was closed unacked');
    assert.deepEqual(h.sink.received.map((r) => r.body.toString()), ['{"t":1}', '{"t":1}'], 'one refused forward, then the one that was taken: none in between');
  });
});
