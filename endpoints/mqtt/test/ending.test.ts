/** How a connection ends, what the client is sent first, and what it is counted under. */
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import mqtt, { type Packet } from 'mqtt-packet';
import { Metrics } from '@kiot/core';
import { Ending } from '../src/ending';
import { Outbox } from '../src/outbox';

/** An Ending over a socket whose written packets are parsed back, for a client of `version`. */
function ending(version: 4 | 5, connected: boolean) {
  const socket = new PassThrough();
  const out = new Outbox(socket);
  out.version = version;
  const metrics = new Metrics();
  const sent: Packet[] = [];
  const parser = mqtt.parser({ protocolVersion: version });
  parser.on('packet', (p: Packet) => sent.push(p));
  socket.on('data', (b: Buffer) => parser.parse(b));
  let ended = false;
  socket.on('finish', () => (ended = true));
  return { e: new Ending(socket, out, metrics, () => connected), socket, metrics, sent, ended: () => ended };
}

describe('mqtt connection ending', () => {
  it('a v5 violation after CONNECT: counted by its reason, a DISCONNECT with the reason and its string, then the end', async () => {
    const c = ending(5, true);
    c.e.fail(0x95, 'packet of 70000 bytes is above 65536');
    await tick();
    assert.equal(c.metrics.get('kiot_mqtt_protocol_errors_total{reason="0x95"}'), 1);
    assert.equal(c.sent.length, 1);
    assert.equal(c.sent[0]!.cmd, 'disconnect');
    assert.equal((c.sent[0] as mqtt.IDisconnectPacket).reasonCode, 0x95);
    assert.equal((c.sent[0] as mqtt.IDisconnectPacket).properties?.reasonString, 'packet of 70000 bytes is above 65536');
    assert.ok(c.e.closing);
    assert.ok(c.ended(), 'the socket was ended after the DISCONNECT');
  });

  it('a v3.1.1 violation after CONNECT: no packet (3.1.1 has no DISCONNECT from a server), the end', async () => {
    const c = ending(4, true);
    c.e.fail(0x82, 'PUBLISH before CONNECT');
    await tick();
    assert.deepEqual(c.sent, []);
    assert.ok(c.ended());
    assert.equal(c.metrics.get('kiot_mqtt_protocol_errors_total{reason="0x82"}'), 1);
  });

  it('a violation before CONNECT was accepted: closed at once, nothing sent, counted as refused', async () => {
    const c = ending(5, false);
    c.e.fail(0x81, 'malformed packet');
    await tick();
    assert.deepEqual(c.sent, []);
    assert.ok(c.socket.destroyed);
    assert.equal(c.metrics.get('kiot_mqtt_closed_total{why="refused"}'), 1);
  });

  it('counts a close under its fixed reason, never under a message that names a device', () => {
    const c = ending(5, true);
    c.e.destroy('sink failed: closing without PUBACK so the client resends');
    assert.equal(c.metrics.get('kiot_mqtt_closed_total{why="sink failed"}'), 1);
    const d = ending(4, true);
    d.e.destroy('device sensor-7@farm may not publish to channel x');
    assert.equal(d.metrics.get('kiot_mqtt_closed_total{why="refused"}'), 1);
    assert.equal(d.metrics.get('kiot_mqtt_closed_total{why="device sensor-7@farm may not publish to channel x"}'), 0);
  });

  it('ends once: a later close or violation is neither sent nor counted', async () => {
    const c = ending(5, true);
    c.e.disconnect(0x8b, 'server shutting down');
    c.e.disconnect(0x8e, 'another connection took this client id');
    c.e.destroy('socket error');
    c.e.fail(0x81, 'malformed packet');
    await tick();
    assert.deepEqual(c.sent.map((p) => (p as mqtt.IDisconnectPacket).reasonCode), [0x8b]);
    assert.equal(c.metrics.get('kiot_mqtt_closed_total{why="socket error"}'), 0);
    assert.equal(c.metrics.get('kiot_mqtt_protocol_errors_total{reason="0x81"}'), 0);
  });
});
