/** The PUBLISH rules as a unit: what makes one a protocol violation, with the reason its DISCONNECT carries. */
import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import { buildEvent, publishViolation } from '../src/publish';

const publish = (over: Partial<IPublishPacket>): IPublishPacket => ({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('1'), qos: 1, messageId: 1, retain: false, dup: false, ...over });

describe('mqtt PUBLISH violations', () => {
  const cases: [string, Partial<IPublishPacket>, number | undefined][] = [
    ['QoS 1 with an identifier', {}, undefined],
    ['QoS 0 without one', { qos: 0, messageId: undefined }, undefined],
    ['QoS 2', { qos: 2 }, 0x9b],
    ['retain', { retain: true }, 0x9a],
    ['QoS 1 with packet identifier 0', { messageId: 0 }, 0x82],
    ['a subscription identifier', { properties: { subscriptionIdentifier: 3 } }, 0x82],
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
