/**
 * Will Messages. kiot keeps no sessions (clean start only), so a session ends with its connection and
 * a client's will is published then (a Will Delay Interval cannot outlast the session): when the
 * connection ends other than by a normal DISCONNECT (the network dropped, keep-alive expired, a
 * protocol error, a newer connection took the client id over) or by a v5 DISCONNECT 0x04. Not on
 * kiot's own shutdown: the device did not go away, it reconnects to another replica.
 * A will is held to the rules of a PUBLISH at CONNECT, so one that could never be delivered is
 * refused then rather than lost later. It becomes a raw event like a PUBLISH, marked `kiotwill`.
 * No client is left to send a will again, so kiot does while the sink fails, a few times.
 */
import type { IConnectPacket } from 'mqtt-packet';
import type { BinaryEvent, Metrics, SendEvent } from '@kiot/core';
import { buildEvent, publishProps, REASON, type Built, type Identity, type PublishProps } from './publish';

export interface Will {
  readonly topic: string;
  readonly payload: Buffer;
  readonly props: PublishProps;
}

/** v5 DISCONNECT reason "Disconnect with Will Message": the client asks for its will. */
export const DISCONNECT_WITH_WILL = 0x04;

export type WillCheck = { readonly ok: true; readonly will: Will | undefined } | { readonly ok: false; readonly reason: number; readonly message: string };

/** The event a will becomes, stamped `now`. */
export const willEvent = (will: Will, who: Identity, now: Date): Built => buildEvent(who, will.topic, will.payload, will.props, now, { kiotwill: true });

/** The CONNECT's will, checked as its PUBLISH would be; refused with the v5 reason code a CONNACK gives. */
export function willOf(p: IConnectPacket, who: Identity, now: Date): WillCheck {
  const w = p.will;
  if (w === undefined) return { ok: true, will: undefined };
  if (w.retain === true) return { ok: false, reason: REASON.retainNotSupported, message: 'will retain is not supported' };
  if (w.qos === 2) return { ok: false, reason: REASON.qosNotSupported, message: 'will QoS 2 is not supported (Maximum QoS 1)' };
  const will: Will = { topic: w.topic, payload: Buffer.isBuffer(w.payload) ? w.payload : Buffer.from(w.payload), props: publishProps(w.properties) };
  const built = willEvent(will, who, now);
  // A fixed message: a refused topic can name a device.
  if (!built.ok) return { ok: false, reason: built.reason, message: `will refused as its PUBLISH would be (0x${built.reason.toString(16)})` };
  return { ok: true, will };
}

/** Waits before each further attempt to hand a will over: about 7.5 s in all. */
export const WILL_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000];

/** Sends a will's event, again after each delay while the sink refuses it; resolves whether it was taken. */
export async function sendWill(send: SendEvent, event: BinaryEvent, delays: readonly number[] = WILL_RETRY_DELAYS_MS): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await send(event);
      return true;
    } catch {
      if (attempt >= delays.length) return false;
    }
    // Unref'd: a will waiting for its next attempt does not hold a stopping endpoint.
    await new Promise<void>((resolve) => void setTimeout(resolve, delays[attempt]).unref());
  }
}

export interface WillDeps {
  readonly send: SendEvent;
  readonly now: () => Date;
  readonly metrics: Metrics;
}

/** The connection ended without a normal DISCONNECT: the will goes out, stamped now, and is counted once it was taken or given up. */
export function publishWill(will: Will, who: Identity, deps: WillDeps): void {
  const built = willEvent(will, who, deps.now());
  // willOf built it at CONNECT from the same identity, topic and payload: only its time and id are new.
  if (!built.ok) return;
  void sendWill(deps.send, built.event).then((taken) => deps.metrics.inc('kiot_mqtt_wills_total', { result: taken ? 'forwarded' : 'failed' }));
}
