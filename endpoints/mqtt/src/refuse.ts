/**
 * A connection kiot will not serve (over MQTT_MAX_CONNECTIONS, or while it shuts down) still gets an
 * answer: its CONNECT is read, within a small size and time, and refused with a CONNACK in the
 * client's own version, so the client learns to retry later instead of seeing the connection drop.
 */
import type { Duplex } from 'node:stream';
import mqtt, { type Packet } from 'mqtt-packet';
import { refusingConnack } from './connect';

export interface RefusalLimits {
  /** Bytes read at most before giving up on a CONNECT. */
  readonly bytes: number;
  /** Milliseconds a refused connection may stay open. */
  readonly ms: number;
}

/** `v5Reason`: 0x89 Server busy or 0x88 Server unavailable; a v3.1.1 client gets return code 3 (server unavailable). */
export function refuseConnection(socket: Duplex, v5Reason: number, message: string, limits: RefusalLimits): void {
  const parser = mqtt.parser();
  let read = 0;
  const timer = setTimeout(() => socket.destroy(), limits.ms);
  timer.unref();
  socket.on('close', () => clearTimeout(timer));
  socket.on('error', () => socket.destroy());
  parser.on('error', () => socket.destroy());
  parser.on('packet', (p: Packet) => {
    socket.removeAllListeners('data');
    socket.resume(); // anything after the CONNECT is discarded
    if (p.cmd !== 'connect') return void socket.destroy();
    const version = p.protocolVersion === 5 ? 5 : 4;
    socket.end(mqtt.generate(refusingConnack(version, v5Reason, 3, message) as unknown as Packet, { protocolVersion: version }));
  });
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > limits.bytes) return void socket.destroy();
    parser.parse(chunk);
  });
}
