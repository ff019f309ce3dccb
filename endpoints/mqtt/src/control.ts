/**
 * What an ingest endpoint answers a connected client's packets other than CONNECT and PUBLISH:
 * PINGREQ gets PINGRESP; SUBSCRIBE and UNSUBSCRIBE are refused with their codes (kiot fans nothing
 * out); DISCONNECT ends the session, keeping the will only when v5 0x04 asks for it; the QoS 2 flow
 * and AUTH are protocol errors, as the CONNACK offered neither.
 */
import type { Packet } from 'mqtt-packet';
import { REASON } from './publish';
import { DISCONNECT_WITH_WILL } from './will';

/** What a session does: send `packet`; end as the client asked (its will kept or not); or close for a protocol error. */
export type Control =
  | { readonly kind: 'answer'; readonly packet: Record<string, unknown> }
  | { readonly kind: 'disconnected'; readonly keepWill: boolean }
  | { readonly kind: 'violation'; readonly reason: number; readonly message: string };

/** v5 UNSUBACK: No subscription existed. */
const NO_SUBSCRIPTION_EXISTED = 0x11;
/** v3.1.1 SUBACK: Failure. */
const SUBACK_FAILURE = 0x80;

export interface Answering {
  readonly isV5: boolean;
  /** A reason string's properties, unless the client asked for none (Outbox.problem). */
  readonly problem: (message: string) => { properties?: { reasonString: string } };
}

/** MQTT 5 3.8.3 and 3.10.3 (3.1.1 the same): a SUBSCRIBE or UNSUBSCRIBE without a topic filter is a protocol error. */
const noFilter = (what: string): Control => ({ kind: 'violation', reason: REASON.protocolError, message: `${what} with no topic filter` });

export function control(p: Packet, to: Answering): Control {
  const v5 = to.isV5;
  switch (p.cmd) {
    case 'pingreq':
      // mqtt-packet reads past the bytes a PINGREQ may not have (MQTT 5 3.12.3).
      if ((p.length ?? 0) > 0) return { kind: 'violation', reason: REASON.malformed, message: 'a PINGREQ has no variable header or payload' };
      return { kind: 'answer', packet: { cmd: 'pingresp' } };
    case 'subscribe': {
      if (p.subscriptions.length === 0) return noFilter('SUBSCRIBE');
      const granted = p.subscriptions.map(() => (v5 ? REASON.notAuthorized : SUBACK_FAILURE));
      return { kind: 'answer', packet: { cmd: 'suback', messageId: p.messageId, granted, ...(v5 ? to.problem('kiot is an ingest endpoint: no subscriptions') : {}) } };
    }
    case 'unsubscribe':
      if (p.unsubscriptions.length === 0) return noFilter('UNSUBSCRIBE');
      return { kind: 'answer', packet: v5 ? { cmd: 'unsuback', messageId: p.messageId, granted: p.unsubscriptions.map(() => NO_SUBSCRIPTION_EXISTED) } : { cmd: 'unsuback', messageId: p.messageId } };
    case 'disconnect':
      // The CONNACK set the Session Expiry Interval to 0, so a DISCONNECT raising it is no valid DISCONNECT (MQTT 5 3.14.2.2.2): the will stays.
      if (v5 && (p.properties?.sessionExpiryInterval ?? 0) > 0) return { kind: 'violation', reason: REASON.protocolError, message: 'session expiry interval on DISCONNECT after a session expiry of 0' };
      return { kind: 'disconnected', keepWill: v5 && p.reasonCode === DISCONNECT_WITH_WILL };
    case 'pubrel':
    case 'pubrec':
    case 'pubcomp':
    case 'auth':
      return { kind: 'violation', reason: REASON.protocolError, message: `${p.cmd} is not used by this endpoint` };
    default:
      return { kind: 'violation', reason: REASON.protocolError, message: `unexpected ${p.cmd}` };
  }
}
