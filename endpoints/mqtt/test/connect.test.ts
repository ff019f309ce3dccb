/** CONNECT decisions as a unit: the authentication is passed in, so every refusal is one table row. */
import { strict as assert } from 'node:assert';
import type { IConnectPacket } from 'mqtt-packet';
import { FailureLimiter, type AuthOutcome } from '@kiot/core';
import type { MqttConfig } from '../src/config';
import { negotiate, type ConnectDeps } from '../src/connect';

const config = { maxPacketBytes: 4096, receiveMaximum: 8, topicAliasMaximum: 4 } as MqttConfig;
const entry = { enabled: true, gatewayFor: [] };
const accepting = async (application: string, device: string, password: string): Promise<AuthOutcome> =>
  password === 'right' ? { ok: true, application, device, entry } : password === 'off' ? { ok: false, reason: 'disabled' } : { ok: false, reason: 'unauthenticated' };
const deps = (over: Partial<ConnectDeps> = {}): ConnectDeps => ({ config, authenticate: accepting, failures: new FailureLimiter(1000), now: () => new Date('2026-11-26T00:00:00Z'), ...over });
const connect = (over: Partial<IConnectPacket>): IConnectPacket =>
  ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'c1', keepalive: 30, username: 'dev@app', password: Buffer.from('right'), ...over }) as IConnectPacket;

describe('mqtt CONNECT decisions', () => {
  const refusals: [string, Partial<IConnectPacket>, number, number][] = [
    ['wrong password', { password: Buffer.from('wrong') }, 0x86, 4],
    ['no password', { password: undefined }, 0x86, 4],
    ['a user name without @application', { username: 'dev' }, 0x86, 4],
    ['a client id that was ill-formed UTF-8 (decoded as U+FFFD)', { clientId: 'a\uFFFDb' }, 0x85, 2],
    ['a client id holding U+0000', { clientId: 'a\u0000b' }, 0x85, 2],
    ['a disabled device', { password: Buffer.from('off') }, 0x87, 5],
    ['a retained will', { will: { topic: 'status', payload: Buffer.from('gone'), qos: 1, retain: true } }, 0x9a, 5],
    ['a QoS 2 will', { will: { topic: 'status', payload: Buffer.from('gone'), qos: 2, retain: false } }, 0x9b, 5],
    ['a will on a topic a PUBLISH could not use', { will: { topic: 'a/b/c', payload: Buffer.from('gone'), qos: 1, retain: false } }, 0x90, 5],
  ];
  for (const [name, over, v5, v3] of refusals) {
    it(`refuses ${name}: v5 0x${v5.toString(16)}, v3.1.1 return code ${v3}`, async () => {
      const five = await negotiate(connect(over), 'a', deps());
      assert.equal(five.ok, false);
      assert.equal(five.connack['reasonCode'], v5);
      const four = await negotiate(connect({ ...over, protocolVersion: 4 }), 'a', deps());
      assert.equal(four.connack['returnCode'], v3);
    });
  }

  it('refuses MQTT 3.1, and its protocol name MQIsdp with a later level, in the 3.1.1 form (return code 1), and enhanced authentication (0x8c)', async () => {
    const old = await negotiate(connect({ protocolVersion: 3 }), 'a', deps());
    assert.deepEqual([old.ok, old.version, old.connack['returnCode']], [false, 4, 1]);
    // 3.1's protocol name with a later level: not 3.1.1 or 5 either.
    for (const protocolVersion of [4, 5] as const) {
      const named = await negotiate(connect({ protocolId: 'MQIsdp', protocolVersion }), 'a', deps());
      assert.deepEqual([named.ok, named.version, named.connack['returnCode']], [false, 4, 1], `MQIsdp level ${protocolVersion}`);
    }
    const enhanced = await negotiate(connect({ properties: { authenticationMethod: 'SCRAM-SHA-1' } }), 'a', deps());
    assert.equal(enhanced.connack['reasonCode'], 0x8c);
  });

  it('refuses a v5 Receive Maximum or Maximum Packet Size of 0 (0x82, a protocol error), before authenticating', async () => {
    let authenticated = 0;
    const counting = deps({ authenticate: async (a, d, p) => { authenticated++; return accepting(a, d, p); } });
    for (const properties of [{ receiveMaximum: 0 }, { maximumPacketSize: 0 }]) {
      const r = await negotiate(connect({ properties }), 'a', counting);
      assert.deepEqual([r.ok, r.connack['reasonCode']], [false, 0x82], JSON.stringify(properties));
    }
    assert.equal(authenticated, 0);
    assert.ok((await negotiate(connect({ properties: { receiveMaximum: 1, maximumPacketSize: 16 } }), 'a', counting)).ok);
  });

  it('refuses a v5 CONNECT with a property it may not carry (0x81) or one given twice (0x82), in it or its will, before authenticating', async () => {
    let authenticated = 0;
    const counting = deps({ authenticate: async (a, d, p) => { authenticated++; return accepting(a, d, p); } });
    const will = (properties: object): Partial<IConnectPacket> => ({ will: { topic: 'status', payload: Buffer.from('gone'), qos: 1, retain: false, properties } as IConnectPacket['will'] });
    const cases: [string, Partial<IConnectPacket>, number][] = [
      ['a Topic Alias', { properties: { topicAlias: 1 } as IConnectPacket['properties'] }, 0x81],
      ['Receive Maximum twice', { properties: { receiveMaximum: [4, 5] } as unknown as IConnectPacket['properties'] }, 0x82],
      ['a will with a Topic Alias', will({ topicAlias: 1 }), 0x81],
      ['a will with its Content Type twice', will({ contentType: ['a/b', 'a/b'] }), 0x82],
    ];
    for (const [name, over, reason] of cases) {
      const r = await negotiate(connect(over), 'a', counting);
      assert.deepEqual([r.ok, r.connack['reasonCode']], [false, reason], name);
    }
    assert.equal(authenticated, 0);
    assert.ok((await negotiate(connect(will({ willDelayInterval: 5 })), 'a', counting)).ok, 'a will property on a will');
  });

  it('refuses a 3.1.1 client with no client id that asks to keep its session (return code 2); a v5 one gets an id assigned', async () => {
    const four = await negotiate(connect({ protocolVersion: 4, clientId: '', clean: false }), 'a', deps());
    assert.deepEqual([four.ok, four.connack['returnCode']], [false, 2]);
    const five = await negotiate(connect({ clientId: '', clean: false }), 'a', deps());
    assert.ok(five.ok);
    assert.equal((five.connack['properties'] as Record<string, unknown>)['assignedClientIdentifier'], five.clientId);
    assert.equal((await negotiate(connect({ protocolVersion: 4, clientId: '', clean: true }), 'a', deps())).ok, true);
  });

  it('refuses an address past its failures before asking the registry, even with the right password', async () => {
    let asked = 0;
    const d = deps({ failures: new FailureLimiter(2), authenticate: async (application, device, password) => { asked++; return accepting(application, device, password); } });
    for (let i = 0; i < 2; i++) await negotiate(connect({ password: Buffer.from('wrong') }), 'guesser', d);
    const after = await negotiate(connect({}), 'guesser', d);
    assert.equal(after.connack['reasonCode'], 0x97);
    assert.equal(asked, 2);
    assert.equal((await negotiate(connect({}), 'someone else', d)).ok, true);
  });

  it('accepts with the limits advertised, assigns a client id when none is given, and lets the server keep-alive win', async () => {
    const r = await negotiate(connect({ clientId: '' }), 'a', deps({ config: { ...config, serverKeepAlive: 10 } }));
    assert.ok(r.ok);
    assert.match(r.clientId, /^kiot-[0-9a-f-]{36}$/);
    assert.equal(r.keepAlive, 10);
    assert.deepEqual([r.identity.application, r.identity.device], ['app', 'dev']);
    const props = r.connack['properties'] as Record<string, unknown>;
    assert.deepEqual([props['maximumQoS'], props['retainAvailable'], props['receiveMaximum'], props['maximumPacketSize'], props['topicAliasMaximum'], props['sessionExpiryInterval']], [1, false, 8, 4096, 4, 0]);
    assert.equal(props['assignedClientIdentifier'], r.clientId);
    assert.equal(props['serverKeepAlive'], 10);
  });

  it('keeps a will it can deliver, and the client\'s own keep-alive when the server sets none', async () => {
    const r = await negotiate(connect({ protocolVersion: 4, keepalive: 60, will: { topic: 'status', payload: Buffer.from('gone'), qos: 1, retain: false } }), 'a', deps());
    assert.ok(r.ok);
    assert.equal(r.keepAlive, 60);
    assert.equal(r.will?.topic, 'status');
    assert.deepEqual(r.connack, { cmd: 'connack', sessionPresent: false, returnCode: 0 });
  });
});
