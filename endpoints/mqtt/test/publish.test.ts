/** The PUBLISH rules as a unit: what makes one a protocol violation, with the reason its DISCONNECT carries. */
import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import mqtt from 'mqtt-packet';
import { Outbox } from '../src/outbox';
import { buildEvent, publishViolation, routeOf, Routes, type Identity } from '../src/publish';
import { PassThrough } from 'node:stream';

const publish = (over: Partial<IPublishPacket>): IPublishPacket => ({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('1'), qos: 1, messageId: 1, retain: false, dup: false, ...over });

describe('mqtt PUBLISH violations', () => {
  const cases: [string, Partial<IPublishPacket>, number | undefined][] = [
    ['QoS 1 with an identifier', {}, undefined],
    ['QoS 0 without one', { qos: 0, messageId: undefined }, undefined],
    ['QoS 2', { qos: 2 }, 0x9b],
    ['retain', { retain: true }, 0x9a],
    ['QoS 1 with packet identifier 0', { messageId: 0 }, 0x82],
    ['a subscription identifier', { properties: { subscriptionIdentifier: 3 } }, 0x82],
    ['QoS 0 with DUP set', { qos: 0, messageId: undefined, dup: true }, 0x81],
    ['QoS 1 with DUP set (a resend)', { dup: true }, undefined],
    ['a response topic with a wildcard', { properties: { responseTopic: 'replies/#' } }, 0x82],
    ['an empty response topic', { properties: { responseTopic: '' } }, 0x82],
    ['a response topic', { properties: { responseTopic: 'replies/d1' } }, undefined],
  ];
  for (const [name, over, reason] of cases) {
    it(`${name}: ${reason === undefined ? 'taken' : `0x${reason.toString(16)}`}`, () => assert.equal(publishViolation(publish(over))?.reason, reason));
  }
});

describe('mqtt PUBLISH payloads without a content type (sniffed)', () => {
  const who = { application: 'demo', device: 'd1', entry: { enabled: true, gatewayFor: [] } };
  const sniffed = (payload: Buffer): unknown => {
    const built = buildEvent(who, 'status', payload, {}, new Date(0));
    assert.ok(built.ok);
    return built.event.attributes['datacontenttype'];
  };
  const cases: [string, Buffer, string][] = [
    ['JSON', Buffer.from('{"status": "défaut"}', 'utf8'), 'application/json'],
    ['a bare number (JSON)', Buffer.from('21.5'), 'application/json'],
    ['UTF-8 text', Buffer.from('ON'), 'text/plain; charset=utf-8'],
    ['bytes', Buffer.from([0x01, 0xff, 0x00]), 'application/octet-stream'],
    // Read with U+FFFD for its é it parses, and the converter stored "d\uFFFDfaut": bytes, as they are.
    ['JSON written in Latin-1', Buffer.from('{"status": "d\xe9faut"}', 'latin1'), 'application/octet-stream'],
    // No JSON sent over a network has one (RFC 8259 §8.1): sniffed as JSON all the same, so the converter names the mark.
    ['JSON after a byte order mark', Buffer.from('\ufeff{"t": 1}', 'utf8'), 'application/json'],
    ['text after a byte order mark', Buffer.from('\ufeffON', 'utf8'), 'text/plain; charset=utf-8'],
  ];
  for (const [name, payload, type] of cases) it(`${name}: ${type}`, () => assert.equal(sniffed(payload), type));
});

describe('mqtt topic routes', () => {
  const device: Identity = { application: 'demo', device: 'd1', entry: { enabled: true, gatewayFor: [] } };
  const gateway: Identity = { application: 'demo', device: 'gw', entry: { enabled: true, gatewayFor: ['s1'] } };
  const cases: [string, Identity, string, string][] = [
    ['a channel', device, 'temperature', 'temperature d1 - kiot://demo/d1 demo/d1'],
    ['a channel and the device itself', device, 'temperature/d1', 'temperature d1 - kiot://demo/d1 demo/d1'],
    ['a gateway for a device it may publish for', gateway, 'temperature/s1', 'temperature s1 gw kiot://demo/s1 demo/s1'],
    ['a device for another', device, 'temperature/s1', '0x87'],
    ['a gateway for a device it may not publish for', gateway, 'temperature/s2', '0x87'],
    ['three levels', device, 'a/b/c', '0x90'],
    ['an invalid channel', device, '-x', '0x90'],
    ['an invalid device', gateway, 'temperature/a b', '0x90'],
    ['a wildcard', gateway, 'temperature/+', '0x90'],
    ['a multi-level wildcard', device, '#', '0x90'],
  ];
  const shown = (r: ReturnType<typeof routeOf>): string => (r.ok ? `${r.route.subject} ${r.route.device} ${r.route.sender ?? '-'} ${r.route.source} ${r.route.partitionkey}` : `0x${r.reason.toString(16)}`);
  for (const [name, who, topic, expected] of cases) it(`${name}: ${expected}`, () => assert.equal(shown(routeOf(who, topic)), expected));

  it('says a wildcard is what is wrong with a topic that has one', () => {
    for (const topic of ['temperature/+', '#', 'temp+']) assert.deepEqual(routeOf(gateway, topic), { ok: false, reason: 0x90, message: 'a PUBLISH topic has no wildcards (+, #)' }, topic);
  });

  it('remembers routes per identity: a changed identity (a reloaded registry) works them out again', () => {
    const routes = new Routes();
    assert.equal(shown(routes.of(gateway, 'temperature/s1')), 'temperature s1 gw kiot://demo/s1 demo/s1');
    const reloaded = { ...gateway, entry: { enabled: true, gatewayFor: ['s2'] } };
    assert.equal(shown(routes.of(reloaded, 'temperature/s1')), '0x87');
    assert.equal(shown(routes.of(reloaded, 'temperature/s2')), 'temperature s2 gw kiot://demo/s2 demo/s2');
  });

  it('keeps at most 64 topics, then starts over, and answers each as routeOf does', () => {
    const routes = new Routes();
    const who = { ...gateway, entry: { enabled: true, gatewayFor: ['*'] } };
    const first = routes.of(who, 't/s0');
    for (let i = 1; i < 64; i++) routes.of(who, `t/s${i}`);
    assert.equal(routes.of(who, 't/s0'), first, 'a route is remembered while 64 topics are');
    routes.of(who, 't/s64');
    assert.notEqual(routes.of(who, 't/s0'), first, 'a 65th topic makes it start over');
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 200; i++) assert.equal(shown(routes.of(who, `t/s${i}`)), shown(routeOf(who, `t/s${i}`)));
  });
});

describe('mqtt PUBACK that accepts', () => {
  for (const version of [4, 5]) {
    it(`is the PUBACK the generator writes and the parser reads, in ${version === 5 ? 'MQTT 5' : 'MQTT 3.1.1'}`, async () => {
      const socket = new PassThrough();
      const out = new Outbox(socket);
      out.version = version;
      for (const id of [1, 258, 65535]) out.accepted(id);
      await new Promise((r) => setImmediate(r));
      const bytes = socket.read() as Buffer;
      const parser = mqtt.parser({ protocolVersion: version });
      const got: mqtt.Packet[] = [];
      parser.on('packet', (p) => got.push(p));
      parser.parse(bytes);
      assert.deepEqual(got.map((p) => [p.cmd, p.messageId, (p as mqtt.IPubackPacket).reasonCode ?? 0]), [['puback', 1, 0], ['puback', 258, 0], ['puback', 65535, 0]]);
      if (version === 4) assert.deepEqual(bytes, Buffer.concat([1, 258, 65535].map((id) => mqtt.generate({ cmd: 'puback', messageId: id }, { protocolVersion: 4 }))));
    });
  }
});
