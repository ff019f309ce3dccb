/** Which v5 properties a client's packet may carry, as MQTT 5 2.2.2.2 lists them, and how often. */
import { strict as assert } from 'node:assert';
import mqttPacket from 'mqtt-packet';
import { propertyProblem } from '../src/properties';
import { publishWithProperties } from './support';

/** Properties as mqtt-packet hands them over: parsed from bytes, so a repeated one is what the parser makes of it. */
function parsedPublish(properties: readonly number[]): Record<string, unknown> | undefined {
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  let packet: mqttPacket.Packet | undefined;
  parser.on('packet', (p: mqttPacket.Packet) => { packet = p; });
  parser.parse(publishWithProperties(properties));
  assert.ok(packet !== undefined && packet.cmd === 'publish');
  return packet.properties as Record<string, unknown> | undefined;
}

const fourBytes = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

describe('mqtt v5 properties a client may send', () => {
  const cases: [string, string, object | undefined, number | undefined][] = [
    ['no properties', 'publish', undefined, undefined],
    ['a PUBLISH with every message property and a topic alias', 'publish', { payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'application/json', responseTopic: 'r', correlationData: Buffer.from('x'), topicAlias: 1, userProperties: { a: ['1', '2'] } }, undefined],
    ['a PUBLISH with a Session Expiry Interval (a CONNECT property)', 'publish', { sessionExpiryInterval: 10 }, 0x81],
    ['a PUBLISH with a Reason String', 'publish', { reasonString: 'hi' }, 0x81],
    ['a PUBLISH with a Content Type twice', 'publish', { contentType: ['a/b', 'c/d'] }, 0x82],
    ['a CONNECT with every property it may have', 'connect', { sessionExpiryInterval: 0, authenticationMethod: 'm', authenticationData: Buffer.from('d'), requestProblemInformation: false, requestResponseInformation: true, receiveMaximum: 5, topicAliasMaximum: 2, userProperties: { k: 'v' }, maximumPacketSize: 100 }, undefined],
    ['a CONNECT with a Topic Alias', 'connect', { topicAlias: 1 }, 0x81],
    ['a CONNECT with a Will Delay Interval (a will property)', 'connect', { willDelayInterval: 1 }, 0x81],
    ['a CONNECT with Receive Maximum twice', 'connect', { receiveMaximum: [5, 6] }, 0x82],
    ['a will with a Will Delay Interval', 'will', { willDelayInterval: 5, contentType: 'text/plain' }, undefined],
    ['a will with a Topic Alias', 'will', { topicAlias: 1 }, 0x81],
    ['a SUBSCRIBE with a Topic Alias', 'subscribe', { topicAlias: 1 }, 0x81],
    ['a SUBSCRIBE with two Subscription Identifiers', 'subscribe', { subscriptionIdentifier: [1, 2] }, 0x82],
    ['an UNSUBSCRIBE with user properties', 'unsubscribe', { userProperties: { a: 'b' } }, undefined],
    ['a DISCONNECT with a Content Type', 'disconnect', { contentType: 'a/b' }, 0x81],
    ['a DISCONNECT with a Reason String and a Server Reference', 'disconnect', { reasonString: 'bye', serverReference: 'elsewhere' }, undefined],
    ['a PINGREQ (no properties at all), not listed', 'pingreq', { contentType: 'a/b' }, undefined],
  ];
  for (const [name, packet, properties, reason] of cases) {
    it(`${name}: ${reason === undefined ? 'taken' : `0x${reason.toString(16)}`}`, () => {
      assert.equal(propertyProblem(packet, properties)?.reason, reason);
    });
  }

  it('names the packet and the property, never a value', () => {
    assert.equal(propertyProblem('publish', { sessionExpiryInterval: 7 })?.message, 'a PUBLISH carries no sessionExpiryInterval property');
    assert.equal(propertyProblem('will', { topicAlias: 9 })?.message, 'a will carries no topicAlias property');
    assert.equal(propertyProblem('connect', { contentType: ['secret/a', 'secret/b'] })?.message, 'a CONNECT carries no contentType property');
    assert.equal(propertyProblem('publish', { contentType: ['secret/a', 'secret/b'] })?.message, 'contentType given more than once');
  });

  it('finds a property given twice in the bytes a client sends, as mqtt-packet parses them', () => {
    const expiry = [0x02, ...fourBytes(60)];
    assert.equal(propertyProblem('publish', parsedPublish([...expiry, ...expiry]))?.reason, 0x82);
    assert.equal(propertyProblem('publish', parsedPublish(expiry)), undefined);
    // Two User Properties of one name are allowed (MQTT 5 3.3.2.3.7).
    const pair = [0x26, 0x00, 0x01, 0x61, 0x00, 0x01, 0x62];
    assert.equal(propertyProblem('publish', parsedPublish([...pair, ...pair])), undefined);
    assert.equal(propertyProblem('publish', parsedPublish([0x11, ...fourBytes(10)]))?.reason, 0x81);
  });
});
