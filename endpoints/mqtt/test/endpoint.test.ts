/**
 * The MQTT endpoint with clients no one here wrote: MQTT.js (3.1.1 and 5.0). Every rule of the
 * protocol section, a sink outage with zero loss, malformed input closing only its own connection.
 */
import { strict as assert } from 'node:assert';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { client, closeClients, closed, connackOf, DEVICE, deviceConnect, disconnectReason, freshHarness, GATEWAY, propertyLengthOf, publishWithProperties, raw, rawAnswers, startHarness, tracked, type Harness } from './support';

/** A sink outage under QoS 1 publishing: failures are not acked, and once the client redelivers, every reading reached the sink. */
const losesNothing = (ctx: { readonly h: Harness }, protocolVersion: 4 | 5) => async (): Promise<void> => {
  let outage = true;
  // What the sink took (202), not merely what reached it: during the outage every reading reaches it and is refused.
  const taken = new Set<string>();
  ctx.h.sink.respond = (r) => {
    if (outage) return { status: 503 };
    taken.add(r.body.toString());
    return { status: 202 };
  };
  const c = tracked(mqtt.connect(ctx.h.url, { ...DEVICE, protocolVersion, reconnectPeriod: 200, connectTimeout: 2000, clean: true, clientId: `outage-${protocolVersion}` }));
  await new Promise((r) => c.once('connect', r));
  const results = Array.from({ length: 10 }, (_, i) => new Promise<unknown>((resolve) => c.publish('temperature', JSON.stringify({ temperature: i }), { qos: 1 }, (err) => resolve(err))));
  await new Promise((r) => setTimeout(r, 600));
  outage = false;
  const errors = await Promise.race([Promise.all(results), new Promise((r) => setTimeout(() => r('timeout'), 8000))]);
  if (protocolVersion === 5) {
    // v5: a PUBACK with 0x80 tells the client it failed: the application resends what failed.
    const failed = (errors as ({ code?: number } | null)[]).map((e, i) => (e ? i : -1)).filter((i) => i >= 0);
    assert.ok(failed.length > 0, 'the outage was reported with a failure reason code');
    for (const i of failed) assert.equal((errors as { code?: number }[])[i]!.code, 0x80);
    for (const i of failed) await c.publishAsync('temperature', JSON.stringify({ temperature: i }), { qos: 1 });
  } else {
    assert.notEqual(errors, 'timeout', 'MQTT.js redelivered every unacknowledged message after reconnecting');
  }
  for (let i = 0; i < 10; i++) assert.ok(taken.has(JSON.stringify({ temperature: i })), `reading ${i} was taken by the sink once it was back`);
};

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1';
  describe(`mqtt endpoint with MQTT.js, ${v}`, function () {
    this.timeout(15_000);
    const ctx = freshHarness();

    it('accepts registry credentials and forwards a QoS 1 publish as a raw CloudEvent before the PUBACK', async () => {
      const c = await client(ctx.h, { ...DEVICE, protocolVersion });
      await c.publishAsync('temperature', '{"temperature":21.5}', { qos: 1 });
      assert.equal(ctx.h.sink.received.length, 1, 'the sink had it before the PUBACK');
      const e = ctx.h.sink.received[0]!;
      assert.equal(e.headers['ce-type'], 'io.kiot.telemetry.raw.v1');
      assert.equal(e.headers['ce-source'], 'kiot://demo/device1');
      assert.equal(e.headers['ce-subject'], 'temperature');
      assert.equal(e.headers['ce-partitionkey'], 'demo/device1');
      assert.equal(e.headers['content-type'], 'application/json');
      assert.equal(e.body.toString(), '{"temperature":21.5}');
    });

    it('refuses a wrong password and a disabled device with the version\'s code', async () => {
      const bad = await connackOf(ctx.h, { username: 'device1@demo', password: 'nope', protocolVersion });
      assert.equal(bad.error?.code, protocolVersion === 5 ? 0x86 : 4);
      const unknown = await connackOf(ctx.h, { username: 'ghost@demo', password: 'demo-secret', protocolVersion });
      assert.equal(unknown.error?.code, bad.error?.code, 'unknown device and wrong password look the same');
      const disabled = await connackOf(ctx.h, { username: 'disabled1@demo', password: 'demo-secret', protocolVersion });
      assert.equal(disabled.error?.code, protocolVersion === 5 ? 0x87 : 5);
    });

    it('forwards QoS 0 best-effort', async () => {
      const c = await client(ctx.h, { ...DEVICE, protocolVersion });
      await c.publishAsync('humidity', '40', { qos: 0 });
      for (let i = 0; i < 50 && ctx.h.sink.received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(ctx.h.sink.received[0]!.headers['ce-subject'], 'humidity');
    });

    it('lets a gateway publish for another device on channel/device, and no one else', async () => {
      const g = await client(ctx.h, { ...GATEWAY, protocolVersion });
      await g.publishAsync('temperature/sensor-9', '{"temperature":1}', { qos: 1 });
      assert.equal(ctx.h.sink.received[0]!.headers['ce-device'], 'sensor-9');
      assert.equal(ctx.h.sink.received[0]!.headers['ce-sender'], 'gateway1');
      const d = await client(ctx.h, { ...DEVICE, protocolVersion });
      if (protocolVersion === 5) {
        await assert.rejects(d.publishAsync('temperature/sensor-9', '{"temperature":1}', { qos: 1 }), (e: { code?: number }) => e.code === 0x87);
      } else {
        const gone = new Promise<void>((r) => d.once('close', () => r()));
        d.publish('temperature/sensor-9', '{"temperature":1}', { qos: 1 });
        await gone;
      }
      assert.equal(ctx.h.sink.received.length, 1);
    });

    it('forwards an empty payload as an event without data, and acks it', async () => {
      const c = await client(ctx.h, { ...DEVICE, protocolVersion });
      await c.publishAsync('presence', '', { qos: 1 });
      const got = ctx.h.sink.received.at(-1)!;
      assert.deepEqual([got.headers['ce-type'], got.headers['ce-subject'], got.body.length, got.headers['content-type']], ['io.kiot.telemetry.raw.v1', 'presence', 0, undefined]);
    });

    it('refuses QoS 2 and retain by closing the connection (v5: DISCONNECT 0x9B / 0x9A)', async () => {
      for (const [opts, code] of [[{ qos: 2 as const }, 0x9b], [{ qos: 1 as const, retain: true }, 0x9a]] as const) {
        const c = await client(ctx.h, { ...DEVICE, protocolVersion });
        const reason = protocolVersion === 5 ? disconnectReason(c) : Promise.resolve(undefined);
        const gone = new Promise<void>((r) => c.once('close', () => r()));
        c.publish('temperature', '1', opts);
        await gone;
        if (protocolVersion === 5) assert.equal(await reason, code);
      }
      assert.equal(ctx.h.sink.received.length, 0);
      // Refused publishes are counted by their QoS all the same.
      assert.deepEqual([ctx.h.endpoint.metrics.get('kiot_mqtt_publishes_total{qos="2"}'), ctx.h.endpoint.metrics.get('kiot_mqtt_publishes_total{qos="1"}')], [1, 1]);
    });

    it('refuses SUBSCRIBE cleanly (v5 0x87, v3.1.1 0x80)', async () => {
      const c = await client(ctx.h, { ...DEVICE, protocolVersion });
      const suback = new Promise<number[]>((resolve) => c.once('packetreceive', (p) => resolve(p.cmd === 'suback' ? (p as mqttPacket.ISubackPacket).granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos)) : [])));
      c.subscribe('temperature', { qos: 1 }, () => undefined);
      assert.deepEqual(await suback, [protocolVersion === 5 ? 0x87 : 0x80]);
      await c.publishAsync('temperature', '1', { qos: 1 });
      assert.equal(ctx.h.sink.received.length, 1, 'the connection carries on');
    });

    it('answers UNSUBSCRIBE (v5 0x11, no subscription existed) and carries on', async () => {
      const c = await client(ctx.h, { ...DEVICE, protocolVersion });
      const unsuback = new Promise<unknown>((resolve) => c.once('packetreceive', (p) => resolve(p.cmd === 'unsuback' ? ((p as mqttPacket.IUnsubackPacket).granted ?? 'no codes') : p.cmd)));
      c.unsubscribe('temperature', () => undefined);
      assert.deepEqual(await unsuback, protocolVersion === 5 ? [0x11] : 'no codes');
      await c.publishAsync('temperature', '1', { qos: 1 });
      assert.equal(ctx.h.sink.received.length, 1, 'the connection carries on');
    });

    it('loses nothing through a sink outage: failures are not acked, and the client redelivers', losesNothing(ctx, protocolVersion));

    it('gives the newest connection a client id; the older one is disconnected', async () => {
      const first = await client(ctx.h, { ...DEVICE, protocolVersion, clientId: `dup-${protocolVersion}` });
      const reason = protocolVersion === 5 ? disconnectReason(first) : Promise.resolve(undefined);
      const gone = new Promise<void>((r) => first.once('close', () => r()));
      const second = await client(ctx.h, { ...DEVICE, protocolVersion, clientId: `dup-${protocolVersion}` });
      await gone;
      if (protocolVersion === 5) assert.equal(await reason, 0x8e);
      await second.publishAsync('temperature', '1', { qos: 1 });
      assert.equal(ctx.h.sink.received.length, 1);
    });
  });
}

describe('mqtt endpoint handing off pipelined (MQTT_SINK_PIPELINING 8)', function () {
  this.timeout(15_000);
  const ctx = freshHarness({ sinkPipelining: 8, receiveMaximum: 32 });

  it('forwards every QoS 1 publish of a burst once, on fewer connections than publishes in flight, acking each', async () => {
    const clients = await Promise.all([0, 1, 2, 3].map(() => client(ctx.h, { ...DEVICE, protocolVersion: 5 })));
    const sent = clients.flatMap((c, k) => Array.from({ length: 25 }, (_, i) => `{"temperature":${k * 100 + i}}`).map((body) => ({ c, body })));
    await Promise.all(sent.map(({ c, body }) => c.publishAsync('temperature', body, { qos: 1 })));
    assert.deepEqual(ctx.h.sink.received.map((r) => r.body.toString()).sort(), sent.map((s) => s.body).sort());
    const connections = new Set(ctx.h.sink.received.map((r) => r.peerPort)).size;
    assert.ok(connections < 25, `${connections} connections carried 100 publishes`);
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`loses nothing through a sink outage (${protocolVersion === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1'})`, losesNothing(ctx, protocolVersion));
  }
});

describe('mqtt endpoint, MQTT 5.0 specifics', function () {
  this.timeout(15_000);
  const ctx = freshHarness();

  it('advertises Maximum QoS 1, no retain, its packet size, receive maximum and topic alias maximum; downgrades a persistent session', async () => {
    const { packet } = await connackOf(ctx.h, { ...DEVICE, protocolVersion: 5, clean: false, clientId: 'persistent-1', properties: { sessionExpiryInterval: 3600 } });
    assert.equal(packet!.sessionPresent, false);
    assert.deepEqual({ ...packet!.properties }, { ...packet!.properties, maximumQoS: 1, retainAvailable: false, maximumPacketSize: 4096, receiveMaximum: 8, topicAliasMaximum: 4, sessionExpiryInterval: 0, wildcardSubscriptionAvailable: false });
  });

  it('maps content type, user properties and message expiry; resolves topic aliases', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    await c.publishAsync('temperature', Buffer.from([0xa1, 0x61, 0x74, 0x01]), { qos: 1, properties: { contentType: 'application/cbor', userProperties: { Site: 'plant-1' }, messageExpiryInterval: 60, topicAlias: 2 } });
    await c.publishAsync('', '{"t":2}', { qos: 1, properties: { topicAlias: 2 } });
    const [a, b] = ctx.h.sink.received;
    assert.equal(a!.headers['content-type'], 'application/cbor');
    assert.deepEqual([...a!.body], [0xa1, 0x61, 0x74, 0x01]);
    assert.equal(a!.headers['ce-mqttsite'], 'plant-1');
    assert.ok(Date.parse(String(a!.headers['ce-expiresat'])) > Date.now() + 50_000);
    assert.equal(b!.headers['ce-subject'], 'temperature', 'the alias resolved to the topic');
  });

  it('takes a request (Response Topic, Correlation Data) like any publish: nothing answers on an ingest endpoint, and neither becomes an attribute', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    await c.publishAsync('temperature', '{"t":1}', { qos: 1, properties: { responseTopic: 'replies/device1', correlationData: Buffer.from('req-7') } });
    const got = ctx.h.sink.received[0]!;
    assert.equal(got.body.toString(), '{"t":1}');
    assert.deepEqual(Object.keys(got.headers).filter((k) => /response|correlation/i.test(k) || /replies|req-7/.test(String(got.headers[k]))), []);
  });

  it('puts a SinkBinding\'s K_CE_OVERRIDES extensions on every event, under its own attributes', async () => {
    const h = await startHarness({ overrides: { site: 'plant1', device: 'not-this-one' } });
    try {
      const c = await client(h, { ...DEVICE, protocolVersion: 5 });
      await c.publishAsync('temperature', '{"t":1}', { qos: 1 });
      const got = h.sink.received[0]!.headers;
      assert.equal(got['ce-site'], 'plant1');
      assert.equal(got['ce-device'], 'device1');
    } finally {
      await closeClients();
      await h.close();
    }
  });

  it('answers a payload that breaks its UTF-8 format indicator with PUBACK 0x99', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    await assert.rejects(c.publishAsync('temperature', Buffer.from([0xff, 0xfe]), { qos: 1, properties: { payloadFormatIndicator: true } }), (e: { code?: number }) => e.code === 0x99);
  });

  it('answers a Content Type that is no media type, or that no HTTP header can carry, with PUBACK 0x99, and forwards nothing', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    const before = ctx.h.sink.received.length;
    for (const contentType of ['not a media type', 'application/json\r\nx-evil: 1', 'text/plain; name=\u20ac'])
      await assert.rejects(c.publishAsync('temperature', '{"t":1}', { qos: 1, properties: { contentType } }), (e: { code?: number }) => e.code === 0x99, JSON.stringify(contentType));
    assert.equal(ctx.h.sink.received.length, before);
    // The connection carries on.
    await c.publishAsync('temperature', '{"t":1}', { qos: 1, properties: { contentType: 'application/json; charset=utf-8' } });
    assert.equal(ctx.h.sink.received.at(-1)!.headers['content-type'], 'application/json; charset=utf-8');
  });

  it('leaves out reason strings a client asked not to get (Request Problem Information 0), or that its Maximum Packet Size cannot hold', async () => {
    const answers = async (properties: mqtt.IClientOptions['properties']) => {
      const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5, properties });
      const got: mqttPacket.Packet[] = [];
      c.on('packetreceive', (p) => got.push(p));
      await c.subscribeAsync('x', { qos: 0 }).catch(() => undefined);
      ctx.h.sink.respond = () => ({ status: 500 });
      await c.publishAsync('temperature', '{"t":1}', { qos: 1 }).catch(() => undefined);
      ctx.h.sink.respond = () => ({ status: 202 });
      const reason = (cmd: string) => (got.find((p) => p.cmd === cmd) as { properties?: { reasonString?: string } } | undefined)?.properties?.reasonString;
      return { suback: reason('suback'), puback: reason('puback'), granted: (got.find((p) => p.cmd === 'suback') as mqttPacket.ISubackPacket).granted };
    };
    const plain = await answers({});
    assert.match(String(plain.suback), /ingest endpoint/);
    assert.equal(plain.puback, 'the event sink answered 500');
    const quiet = await answers({ requestProblemInformation: false });
    assert.deepEqual([quiet.suback, quiet.puback, quiet.granted], [undefined, undefined, [0x87]]);
    const small = await answers({ maximumPacketSize: 40 });
    assert.deepEqual([small.suback, small.puback, small.granted], [undefined, 'the event sink answered 500', [0x87]], 'the PUBACK with its reason string fits in 40 bytes, the SUBACK with its does not');
  });

  it('disconnects a client whose PUBLISH carries a Subscription Identifier (0x82), forwarding nothing', async () => {
    const { socket: s, answers } = await rawAnswers(ctx.h, 5);
    s.write(Buffer.concat([
      deviceConnect(5, 'subid'),
      mqttPacket.generate({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('1'), qos: 1, messageId: 1, retain: false, dup: false, properties: { subscriptionIdentifier: 7 } }, { protocolVersion: 5 }),
    ]));
    await closed(s);
    assert.deepEqual(answers.map((p) => [p.cmd, (p as { reasonCode?: number }).reasonCode]), [['connack', 0], ['disconnect', 0x82]]);
    assert.equal(ctx.h.sink.received.length, 0);
  });

  it('forwards a user property HTTP headers cannot carry percent-encoded, as the CloudEvents HTTP binding says', async () => {
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    await c.publishAsync('temperature', '{"t":1}', { qos: 1, properties: { userProperties: { place: 'Zürich €' } } });
    assert.equal(ctx.h.sink.received.at(-1)!.headers['ce-mqttplace'], 'Z%C3%BCrich %E2%82%AC');
  });
});

describe('mqtt endpoint against password guessing', function () {
  this.timeout(15_000);
  it('refuses an address after too many failed CONNECTs (v5 0x97, v3.1.1 3), even with the right password', async () => {
    const h = await startHarness({ authFailuresPerMinute: 2 });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await connackOf(h, { username: 'device1@demo', password: 'guess', protocolVersion: 5 })).error?.code, 0x86);
      assert.equal((await connackOf(h, { ...DEVICE, protocolVersion: 5 })).error?.code, 0x97);
      assert.equal((await connackOf(h, { ...DEVICE, protocolVersion: 4 })).error?.code, 3);
    } finally {
      await closeClients();
      await h.close();
    }
  });
});

describe('mqtt endpoint against hostile connections', function () {
  this.timeout(15_000);
  const ctx = freshHarness();

  it('closes a connection that sends no CONNECT within the timeout', async () => {
    const s = await raw(ctx.h);
    const ms = await closed(s);
    assert.ok(ms >= 400 && ms < 2000, `closed after ${ms} ms`);
  });

  it('closes only the offending connection for random bytes, a bad remaining length, a truncated packet or an oversized one', async () => {
    const good = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    const connect = deviceConnect(5, 'x');
    const attacks: [string, Buffer[]][] = [
      ['random bytes', [Buffer.from([0x00, 0xff, 0x13, 0x37, 0x42, 0x99, 0xab, 0xcd])]],
      ['a remaining length of five bytes', [Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01])]],
      ['a PUBLISH above the maximum packet size', [connect, Buffer.from([0x30, 0xff, 0xff, 0x03])]],
      ['a CONNECT cut short, then silence', [connect.subarray(0, 10)]],
      ['a 3.1.1 QoS 1 PUBLISH whose topic is ill-formed UTF-8', [deviceConnect(4, 'y'), Buffer.from([0x32, 0x07, 0x00, 0x03, 0x61, 0xff, 0x62, 0x00, 0x01])]],
    ];
    for (const [name, chunks] of attacks) {
      const s = await raw(ctx.h);
      for (const c of chunks) s.write(c);
      await closed(s).catch(() => assert.fail(`${name}: still open`));
    }
    await good.publishAsync('temperature', '1', { qos: 1 });
    assert.equal(ctx.h.sink.received.length, 1, 'the well-behaved client carried on');
  });

  it('tells a connected v5 client why its bad packet closes it: DISCONNECT 0x95 (too large), 0x81 (malformed) or 0x82 (protocol error)', async () => {
    const cases: [string, Buffer, number][] = [
      ['a PUBLISH above the maximum packet size', Buffer.from([0x30, 0xff, 0xff, 0x03]), 0x95],
      ['a remaining length of five bytes', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0x81],
      ['the reserved packet type 0', Buffer.from([0x00, 0x00]), 0x81],
      // mqtt-packet would read these topics leniently; MQTT 5 1.5.4 makes them Malformed Packets.
      ['a PUBLISH whose topic is ill-formed UTF-8', Buffer.from([0x30, 0x06, 0x00, 0x02, 0xc3, 0x28, 0x00, 0x31]), 0x81],
      ['a PUBLISH whose topic holds U+0000', Buffer.from([0x32, 0x08, 0x00, 0x02, 0x61, 0x00, 0x00, 0x01, 0x00, 0x31]), 0x81],
      ['a SUBSCRIBE with no topic filter', Buffer.from([0x82, 0x03, 0x00, 0x01, 0x00]), 0x82],
      ['a PINGREQ with a payload byte', Buffer.from([0xc0, 0x01, 0x00]), 0x81],
      ['a QoS 0 PUBLISH with DUP set', Buffer.from([0x38, 0x0f, 0x00, 0x0b, ...Buffer.from('temperature'), 0x00, 0x31]), 0x81],
      // mqtt-packet parses any property on any packet, a repeated one as an array (a Message Expiry Interval of [60, 60] seconds).
      ['a PUBLISH with its Message Expiry Interval twice', publishWithProperties([0x02, 0, 0, 0, 60, 0x02, 0, 0, 0, 60]), 0x82],
      ['a PUBLISH with a Session Expiry Interval, a CONNECT property', publishWithProperties([0x11, 0, 0, 0, 10]), 0x81],
      ['a DISCONNECT with a Content Type', Buffer.from([0xe0, 0x06, 0x00, 0x04, 0x03, 0x00, 0x01, 0x78]), 0x81],
      // Property Length 6 over a Message Expiry Interval (5 bytes) and a Payload Format Indicator whose value byte is the payload's first: mqtt-packet read it and forwarded the rest.
      ['a PUBLISH whose last property runs past its Property Length', propertyLengthOf(6, [0x02, 0, 0, 0, 60, 0x01, 0x00, ...Buffer.from('{"t":1}')]), 0x81],
      ['a PUBLISH whose Property Length runs past the packet', propertyLengthOf(40, [0x02, 0, 0, 0, 60, ...Buffer.from('1')]), 0x81],
      // mqtt-packet keeps the second of two when the first is 0, so only the bytes show it.
      ['a PUBLISH with its Payload Format Indicator twice, 0 first', publishWithProperties([0x01, 0x00, 0x01, 0x01]), 0x82],
      ['a PUBLISH whose response topic has a wildcard', mqttPacket.generate({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('1'), qos: 1, messageId: 1, retain: false, dup: false, properties: { responseTopic: 'replies/#' } }, { protocolVersion: 5 }), 0x82],
    ];
    for (const [name, bytes, reason] of cases) {
      const { socket: s, answers } = await rawAnswers(ctx.h, 5);
      s.write(deviceConnect(5, `bad-${reason}`));
      while (answers.length === 0) await new Promise((r) => setTimeout(r, 10));
      s.write(bytes);
      await closed(s).catch(() => assert.fail(`${name}: still open`));
      assert.deepEqual(answers.map((p) => [p.cmd, (p as mqttPacket.IDisconnectPacket).reasonCode]), [['connack', 0], ['disconnect', reason]], name);
      assert.equal(ctx.h.endpoint.metrics.get(`kiot_mqtt_protocol_errors_total{reason="0x${reason.toString(16)}"}`) > 0, true, name);
    }
    assert.equal(ctx.h.sink.received.length, 0);
  });

  it('takes a PUBLISH sent with its CONNECT in one write, as MQTT lets a client do before the CONNACK', async () => {
    const { socket: s, answers } = await rawAnswers(ctx.h, 4);
    s.write(Buffer.concat([
      deviceConnect(4, 'eager'),
      mqttPacket.generate({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('{"t":1}'), qos: 1, messageId: 7, retain: false, dup: false }),
    ]));
    for (let i = 0; i < 100 && answers.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(answers.map((p) => p.cmd), ['connack', 'puback']);
    assert.equal((answers[1] as mqttPacket.IPubackPacket).messageId, 7);
    assert.equal(ctx.h.sink.received.length, 1);
    s.destroy();
  });

  it('refuses a client id whose bytes are ill-formed UTF-8: CONNACK 0x85 (client identifier not valid)', async () => {
    const { socket: s, answers } = await rawAnswers(ctx.h, 5);
    const connect = deviceConnect(5, 'aXb');
    connect[connect.indexOf(Buffer.from('aXb')) + 1] = 0xff;
    s.write(connect);
    await closed(s);
    assert.deepEqual(answers.map((p) => [p.cmd, (p as { reasonCode?: number }).reasonCode]), [['connack', 0x85]]);
  });

  it('disconnects a client that sends a second CONNECT, even right behind its first (v5 0x82)', async () => {
    const { socket: s, answers } = await rawAnswers(ctx.h, 5);
    s.write(Buffer.concat([deviceConnect(5, 'twice'), deviceConnect(5, 'twice')]));
    await closed(s);
    assert.deepEqual(answers.map((p) => [p.cmd, (p as { reasonCode?: number }).reasonCode]), [['connack', 0], ['disconnect', 0x82]]);
  });

  it('closes a connection whose QoS 1 PUBLISH has packet identifier 0, forwarding nothing', async () => {
    const s = await raw(ctx.h);
    const topic = Buffer.from('temperature');
    const body = Buffer.concat([Buffer.from([0, topic.length]), topic, Buffer.from([0, 0]), Buffer.from('1')]);
    s.write(deviceConnect(4, 'zero-id'));
    s.write(Buffer.concat([Buffer.from([0x32, body.length]), body]));
    await closed(s);
    assert.equal(ctx.h.sink.received.length, 0);
  });

  it('closes a connection silent for 1.5 × its keep-alive', async () => {
    const s = await raw(ctx.h);
    s.write(deviceConnect(4, 'ka', { keepalive: 1 }));
    const ms = await closed(s, 5000);
    assert.ok(ms >= 1400 && ms < 3500, `closed after ${ms} ms`);
    assert.equal(ctx.h.endpoint.metrics.get('kiot_mqtt_keepalive_timeouts_total'), 1);
  });

  it('tells a silent v5 client why it is closed: DISCONNECT 0x8D (keep alive timeout)', async () => {
    const { socket: s, answers } = await rawAnswers(ctx.h, 5);
    s.write(deviceConnect(5, 'ka5', { keepalive: 1 }));
    const ms = await closed(s, 5000);
    assert.ok(ms >= 1400 && ms < 3500, `closed after ${ms} ms`);
    assert.deepEqual(answers.map((p) => [p.cmd, (p as mqttPacket.IDisconnectPacket).reasonCode]), [['connack', 0], ['disconnect', 0x8d]]);
  });

  it('does not count keep-alive while it holds a client\'s reading back for a slow sink (its PINGREQ waits unread)', async () => {
    const h = await startHarness({ sinkTimeoutMs: 5000 });
    try {
      h.sink.respond = () => ({ status: 202, delayMs: 2500 });
      // Keep-alive 1 s: closed after 1.5 s of silence. Eight publishes fill the receive maximum, so reading stops for 2.5 s.
      const { socket: s, answers } = await rawAnswers(h, 5);
      const publish = (messageId: number): Buffer => mqttPacket.generate({ cmd: 'publish', topic: 'temperature', payload: Buffer.from(String(messageId)), qos: 1, messageId, retain: false, dup: false }, { protocolVersion: 5 });
      s.write(Buffer.concat([deviceConnect(5, 'held', { keepalive: 1 }), ...Array.from({ length: 8 }, (_, i) => publish(i + 1))]));
      // A client keeping its keep-alive: a PINGREQ every second, which the endpoint reads once the sink answered.
      const pings = setInterval(() => s.write(mqttPacket.generate({ cmd: 'pingreq' })), 1000);
      await new Promise((r) => setTimeout(r, 2800));
      clearInterval(pings);
      assert.equal(s.destroyed, false, 'still connected');
      assert.deepEqual(answers.filter((p) => p.cmd === 'puback').map((p) => (p as mqttPacket.IPubackPacket).messageId), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.ok(answers.some((p) => p.cmd === 'pingresp'));
      s.destroy();
    } finally {
      await h.close();
    }
  });

  it('never has more forwards in flight per connection than its receive maximum (backpressure, not buffering)', async () => {
    let inflight = 0;
    let peak = 0;
    ctx.h.sink.respond = () => {
      inflight++;
      peak = Math.max(peak, inflight);
      setTimeout(() => inflight--, 50);
      return { status: 202, delayMs: 50 };
    };
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 4 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => c.publishAsync('temperature', String(i), { qos: 0 })));
    for (let i = 0; i < 100 && ctx.h.sink.received.length < 40; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(ctx.h.sink.received.length, 40);
    assert.ok(peak <= 8, `peak in flight ${peak} > receive maximum 8`);
  });

  it('holds the payload bytes in flight to the sink under MQTT_MAX_INFLIGHT_BYTES across connections, and acks everything', async () => {
    const h = await startHarness({ maxInflightBytes: 8192 });
    try {
      let inflight = 0;
      let peak = 0;
      h.sink.respond = () => {
        inflight++;
        peak = Math.max(peak, inflight);
        setTimeout(() => inflight--, 150);
        return { status: 202, delayMs: 150 };
      };
      // 3,000-byte payloads: two fit in 8 KiB, a third does not. Each client alone may have 8 in flight.
      const clients = await Promise.all([1, 2].map(() => client(h, { ...DEVICE, protocolVersion: 5 })));
      await Promise.all(clients.flatMap((c, n) => Array.from({ length: 6 }, (_, i) => c.publishAsync('temperature', `${n}${i}`.padEnd(3000, 'x'), { qos: 1 }))));
      assert.equal(h.sink.received.length, 12);
      assert.ok(peak <= 2, `peak ${peak} forwards in flight, more than the budget holds`);
    } finally {
      await closeClients();
      await h.close();
    }
  });

  // One slow forward holds every later PUBACK back (they go in order): 12 QoS 1 publishes, the first answered after 400 ms.
  const slowHead = (): void => {
    let n = 0;
    ctx.h.sink.respond = () => (n++ === 0 ? { status: 202, delayMs: 400 } : { status: 202 });
  };

  it('MQTT 3.1.1, which has no Receive Maximum: stops reading at that many unacknowledged publishes, and acks them all', async () => {
    slowHead();
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 4 });
    let closedEarly = false;
    c.once('close', () => (closedEarly = true));
    const acked = Promise.all(Array.from({ length: 12 }, (_, i) => c.publishAsync('temperature', String(i), { qos: 1 })));
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(ctx.h.sink.received.length, 8, 'while the first is unacknowledged, no more than the receive maximum (8) was read');
    await acked;
    assert.equal(closedEarly, false);
    assert.deepEqual(ctx.h.sink.received.map((e) => e.body.toString()), Array.from({ length: 12 }, (_, i) => String(i)));
  });

  it('MQTT 5.0: a client past the Receive Maximum it was given is disconnected with 0x93', async () => {
    slowHead();
    // MQTT.js does not hold itself to the server's Receive Maximum.
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    const reason = disconnectReason(c);
    for (let i = 0; i < 12; i++) c.publish('temperature', String(i), { qos: 1 });
    assert.equal(await reason, 0x93);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(ctx.h.sink.received.length, 8, 'the 8 within the receive maximum were forwarded, nothing past it');
  });

  it('on shutdown finishes forwards in flight, acks them, reads nothing more (a publish sent after it began is left to the client to resend elsewhere), then sends DISCONNECT 0x8B', async () => {
    ctx.h.sink.respond = () => ({ status: 202, delayMs: 300 });
    const c = await client(ctx.h, { ...DEVICE, protocolVersion: 5 });
    const reason = disconnectReason(c);
    const first = c.publishAsync('temperature', '1', { qos: 1 });
    await new Promise((r) => setTimeout(r, 50));
    const stopped = ctx.h.endpoint.shutdown();
    await new Promise((r) => setTimeout(r, 50));
    c.publish('temperature', '2', { qos: 1 });
    await first;
    await stopped;
    assert.equal(await reason, 0x8b);
    assert.deepEqual(ctx.h.sink.received.map((e) => e.body.toString()), ['1']);
  });
});
