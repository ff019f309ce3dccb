/** The answers to a connected client's packets other than CONNECT and PUBLISH, in both protocol versions. */
import { strict as assert } from 'node:assert';
import type { Packet } from 'mqtt-packet';
import { control, type Control } from '../src/control';

const answering = (isV5: boolean, problemInformation = true) => ({
  isV5,
  problem: (message: string) => (problemInformation ? { properties: { reasonString: message } } : {}),
});

const subscribe = { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'a', qos: 1 }, { topic: 'b/#', qos: 0 }] } as Packet;
const unsubscribe = { cmd: 'unsubscribe', messageId: 8, unsubscriptions: ['a', 'b'] } as Packet;

describe('mqtt control packets', () => {
  const cases: [string, Packet, boolean, Control][] = [
    ['PINGREQ', { cmd: 'pingreq' }, false, { kind: 'answer', packet: { cmd: 'pingresp' } }],
    ['v3.1.1 SUBSCRIBE: 0x80 for each filter', subscribe, false, { kind: 'answer', packet: { cmd: 'suback', messageId: 7, granted: [0x80, 0x80] } }],
    ['v5 SUBSCRIBE: 0x87 for each filter, with a reason string', subscribe, true,
      { kind: 'answer', packet: { cmd: 'suback', messageId: 7, granted: [0x87, 0x87], properties: { reasonString: 'kiot is an ingest endpoint: no subscriptions' } } }],
    ['v3.1.1 UNSUBSCRIBE: UNSUBACK', unsubscribe, false, { kind: 'answer', packet: { cmd: 'unsuback', messageId: 8 } }],
    ['v5 UNSUBSCRIBE: 0x11 (no subscription existed) for each filter', unsubscribe, true, { kind: 'answer', packet: { cmd: 'unsuback', messageId: 8, granted: [0x11, 0x11] } }],
    ['v3.1.1 DISCONNECT: the will is discarded', { cmd: 'disconnect' }, false, { kind: 'disconnected', keepWill: false }],
    ['v5 DISCONNECT 0x00: the will is discarded', { cmd: 'disconnect', reasonCode: 0 }, true, { kind: 'disconnected', keepWill: false }],
    ['v5 DISCONNECT 0x04: the will is published', { cmd: 'disconnect', reasonCode: 4 }, true, { kind: 'disconnected', keepWill: true }],
    ['v3.1.1 has no reason code: a 4 on its DISCONNECT means nothing', { cmd: 'disconnect', reasonCode: 4 }, false, { kind: 'disconnected', keepWill: false }],
    ['v5 DISCONNECT raising the session expiry: protocol error', { cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } }, true,
      { kind: 'violation', reason: 0x82, message: 'session expiry interval on DISCONNECT after a session expiry of 0' }],
    ['PUBREL (QoS 2 was never granted): protocol error', { cmd: 'pubrel', messageId: 1 }, true, { kind: 'violation', reason: 0x82, message: 'pubrel is not used by this endpoint' }],
    ['AUTH (no authentication method was offered): protocol error', { cmd: 'auth', reasonCode: 0x18 } as Packet, true, { kind: 'violation', reason: 0x82, message: 'auth is not used by this endpoint' }],
    ['SUBSCRIBE with no topic filter: protocol error', { cmd: 'subscribe', messageId: 7, subscriptions: [] } as Packet, true, { kind: 'violation', reason: 0x82, message: 'SUBSCRIBE with no topic filter' }],
    ['v3.1.1 UNSUBSCRIBE with no topic filter: protocol error', { cmd: 'unsubscribe', messageId: 8, unsubscriptions: [] } as Packet, false, { kind: 'violation', reason: 0x82, message: 'UNSUBSCRIBE with no topic filter' }],
    ['PINGREQ with a payload byte: malformed', { cmd: 'pingreq', length: 1 } as Packet, true, { kind: 'violation', reason: 0x81, message: 'a PINGREQ has no variable header or payload' }],
    ['a CONNACK from a client: protocol error', { cmd: 'connack', returnCode: 0, sessionPresent: false } as Packet, false, { kind: 'violation', reason: 0x82, message: 'unexpected connack' }],
  ];
  for (const [name, packet, v5, expected] of cases) it(name, () => assert.deepEqual(control(packet, answering(v5)), expected));

  it('leaves the reason string out when the client asked for no problem information', () => {
    assert.deepEqual(control(subscribe, answering(true, false)), { kind: 'answer', packet: { cmd: 'suback', messageId: 7, granted: [0x87, 0x87] } });
  });
});
