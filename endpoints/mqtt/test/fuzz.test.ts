/**
 * Packets a client could send, with bytes changed at random (a fixed seed, so a failure can be
 * replayed). After CONNECT, whatever arrives is answered as MQTT 5 4.13 has it (a DISCONNECT with a
 * reason before the close), one protocol error counted per connection closed for one. A CONNECT
 * whose credentials changed is never accepted. Nothing falls into the internal-error path, and a
 * well-behaved client carries on.
 */
import { strict as assert } from 'node:assert';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { integers } from '../../../test/support/seeded';
import { client, DEVICE, deviceConnect, freshHarness, rawAnswers, type Harness } from './support';

const v5 = (p: object): Buffer => mqttPacket.generate(p as Packet, { protocolVersion: 5 });
const SEEDS = [
  v5({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('{"t":1}'), qos: 1, messageId: 2, retain: false, dup: false, properties: { contentType: 'application/json', userProperties: { a: 'b' }, messageExpiryInterval: 60, topicAlias: 1, payloadFormatIndicator: true } }),
  v5({ cmd: 'publish', topic: 'temperature', payload: Buffer.from('21.5'), qos: 0, retain: false, dup: false }),
  v5({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/b', qos: 1 }], properties: { userProperties: { x: 'y' } } }),
  v5({ cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['a/b'] }),
  v5({ cmd: 'disconnect', reasonCode: 4, properties: { reasonString: 'bye' } }),
  v5({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } }),
];
const ROUNDS = 40;

/** `packet` with one to three bytes after the first set at random (the first says what the rest is read as). */
const mutated = (packet: Buffer, next: (below: number) => number): Buffer => {
  const bytes = Buffer.from(packet);
  for (let k = 1 + next(3); k > 0; k--) bytes[1 + next(bytes.length - 1)] = next(256);
  return bytes;
};

async function carriesOn(h: Harness): Promise<void> {
  assert.equal(h.endpoint.metrics.get('kiot_mqtt_closed_total{why="internal error"}'), 0, 'a packet fell through to the internal-error path');
  const good = await client(h, { ...DEVICE, protocolVersion: 5 });
  const before = h.sink.received.length;
  await good.publishAsync('temperature', '{"temperature":1}', { qos: 1 });
  assert.equal(h.sink.received.length, before + 1, 'a well-behaved client carries on');
}

describe('mqtt endpoint against mutated packets', function () {
  this.timeout(60_000);
  const ctx = freshHarness();

  it(`answers ${ROUNDS * SEEDS.length} packets with one to three random bytes each, every one as MQTT 5 asks`, async () => {
    const next = integers(20261128);
    let disconnects = 0;
    let silentCloses = 0;
    // In groups below the harness's connection limit; each group is judged once nothing has changed for a while, so a
    // slow machine's late DISCONNECT is still seen (the endpoint counts it either way).
    const GROUP = 60;
    for (let from = 0; from < ROUNDS * SEEDS.length; from += GROUP) {
      const open = await Promise.all(Array.from({ length: GROUP }, async (_, i) => {
        const c = await rawAnswers(ctx.h, 5);
        c.socket.write(deviceConnect(5, `fuzz-${from + i}`));
        while (c.answers.length === 0) await new Promise((r) => setTimeout(r, 2));
        return c;
      }));
      open.forEach((c, i) => c.socket.write(mutated(SEEDS[(from + i) % SEEDS.length]!, next)));
      const state = (): string => open.map((c) => `${c.answers.length}${c.socket.readableEnded || c.socket.destroyed ? 'x' : ''}`).join();
      for (let last = '', quietSince = Date.now(); Date.now() - quietSince < 250;) {
        await new Promise((r) => setTimeout(r, 25));
        const now = state();
        if (now !== last) [last, quietSince] = [now, Date.now()];
      }
      for (const { socket, answers } of open) {
        if (answers.slice(1).some((p) => p.cmd === 'disconnect')) disconnects++;
        else if (socket.readableEnded || socket.destroyed) silentCloses++;
        socket.destroy();
      }
    }
    const m = ctx.h.endpoint.metrics;
    const protocolErrors = [0x81, 0x82, 0x94, 0x95, 0x99].reduce((n, r) => n + m.get(`kiot_mqtt_protocol_errors_total{reason="0x${r.toString(16)}"}`), 0);
    assert.ok(disconnects > 0, 'the mutations made no packet the endpoint refused');
    assert.equal(protocolErrors, disconnects, 'one protocol error counted per connection closed for one');
    // The endpoint closes with no DISCONNECT only after the client's own (a mutated DISCONNECT is often still one).
    assert.equal(silentCloses, m.get('kiot_mqtt_closed_total{why="client disconnected"}'));
    await carriesOn(ctx.h);
  });

  it(`never accepts a CONNECT whose credentials changed, in ${ROUNDS * 4} CONNECTs (v5 and 3.1.1) with random bytes`, async () => {
    const next = integers(7);
    const outcomes = { accepted: 0, refused: 0, closed: 0 };
    for (let n = 0; n < ROUNDS * 4; n++) {
      const version = n % 2 === 0 ? 5 : 4;
      const will = { topic: 'status', payload: Buffer.from('gone'), qos: 1 as const, retain: false };
      const original = deviceConnect(version, `c${n}`, { keepalive: 30, will, ...(version === 5 ? { properties: { receiveMaximum: 10, userProperties: { a: 'b' } } } : {}) });
      const bytes = mutated(original, next);
      // The user name and password with their length prefixes.
      const credentials = [original.indexOf(Buffer.from(DEVICE.username)) - 2, original.indexOf(Buffer.from(DEVICE.password)) - 2];
      const changed = credentials.some((at, i) => !bytes.subarray(at, at + 2 + [DEVICE.username, DEVICE.password][i]!.length).equals(original.subarray(at, at + 2 + [DEVICE.username, DEVICE.password][i]!.length)));
      const { socket: s, answers } = await rawAnswers(ctx.h, version);
      s.write(bytes);
      for (let i = 0; i < 100 && answers.length === 0 && !s.destroyed && !s.readableEnded; i++) await new Promise((r) => setTimeout(r, 5));
      const connack = answers.find((p): p is mqttPacket.IConnackPacket => p.cmd === 'connack');
      const code = connack === undefined ? undefined : (connack.reasonCode ?? connack.returnCode);
      if (code === 0) {
        outcomes.accepted++;
        assert.equal(changed, false, `CONNECT ${n} was accepted with changed credentials: ${bytes.toString('hex')}`);
      } else if (code !== undefined) outcomes.refused++;
      else outcomes.closed++;
      s.destroy();
    }
    assert.ok(outcomes.accepted > 0 && outcomes.refused > 0 && outcomes.closed > 0, JSON.stringify(outcomes));
    await carriesOn(ctx.h);
  });
});
