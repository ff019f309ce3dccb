/** The PUBLISH rules as a unit: what makes one a protocol violation, with the reason its DISCONNECT carries. */
import { strict as assert } from 'node:assert';
import type { IPublishPacket } from 'mqtt-packet';
import { publishViolation } from '../src/publish';

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
