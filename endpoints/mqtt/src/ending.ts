/**
 * How a connection ends: after a protocol violation (v5 DISCONNECT with its reason once connected,
 * as MQTT 5 4.13 asks), gracefully (the client reads what was sent), or at once; counted under a
 * fixed reason, never under the message, which can name devices or topics.
 */
import type { Duplex } from 'node:stream';
import type { Metrics } from '@kiot/core';
import type { Outbox } from './outbox';

const CLOSE_REASONS = ['no CONNECT in time', 'socket error', 'first packet is not CONNECT', 'internal error', 'client disconnected', 'sink failed'];

/** A socket ended gracefully is destroyed after this long if the client keeps it open. */
const LINGER_MS = 1000;

export class Ending {
  /** Ending or ended: nothing more is read or sent but what the ending sends. */
  closing = false;

  /** `connected`: a CONNECT was accepted (a DISCONNECT may go out). */
  constructor(private readonly socket: Duplex, private readonly out: Outbox, private readonly metrics: Metrics, private readonly connected: () => boolean) {}

  /** A protocol violation: counted by its reason code, then `disconnect` once connected, else closed at once. */
  fail(reason: number, message: string): void {
    // The parser can find more wrong with the bytes that follow: one connection, one count.
    if (this.closing) return;
    this.metrics.inc('kiot_mqtt_protocol_errors_total', { reason: `0x${reason.toString(16)}` });
    if (this.connected()) this.disconnect(reason, message);
    else this.destroy(message);
  }

  /** v5 (once connected) is told why in a DISCONNECT; 3.1.1 has none to send. */
  disconnect(reason: number, message: string): void {
    if (this.closing) return;
    if (this.out.isV5 && this.connected()) this.out.send({ cmd: 'disconnect', reasonCode: reason, properties: { reasonString: message } });
    this.end();
  }

  /** Ends after what was sent, a refusing CONNACK or a DISCONNECT, reached the client. */
  end(): void {
    this.closing = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  /** Closes at once, counted under the fixed reason `why` starts with ('refused' for any other). */
  destroy(why: string): void {
    const label = CLOSE_REASONS.find((r) => why.startsWith(r)) ?? 'refused';
    if (!this.closing) this.metrics.inc('kiot_mqtt_closed_total', { why: label });
    this.closing = true;
    this.socket.destroy();
  }
}
