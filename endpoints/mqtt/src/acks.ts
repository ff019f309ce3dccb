/**
 * QoS 1 acknowledgements in the order the PUBLISHes came in, as MQTT requires: each PUBACK waits
 * for its own forward and for every earlier one.
 */
import type { Metrics } from '@kiot/core';
import type { Outbox } from './outbox';

/** A v5 PUBACK's failure reason code and the reason string that says why. */
export interface Refusal {
  readonly reason: number;
  readonly message: string;
}

/** Accepted (0), refused, or 'close': v3.1.1 has no failure code, so the connection closes unacked and the client resends. */
export type AckOutcome = 0 | Refusal | 'close';

export interface AckWriter {
  readonly puback: (messageId: number, outcome: 0 | Refusal) => void;
  readonly closeUnacked: () => void;
  /** The connection is going away: nothing more is written. */
  readonly closing: () => boolean;
}

export class AckQueue {
  private readonly pending: { readonly messageId: number; readonly outcome: Promise<AckOutcome> }[] = [];

  constructor(private readonly out: AckWriter) {}

  /** PUBLISHes received and not yet acknowledged. */
  get length(): number {
    return this.pending.length;
  }

  push(messageId: number, outcome: Promise<AckOutcome>): void {
    this.pending.push({ messageId, outcome });
    if (this.pending.length === 1) void this.flush();
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const outcome = await head.outcome;
      if (this.out.closing()) return;
      if (outcome === 'close') return this.out.closeUnacked();
      this.pending.shift();
      this.out.puback(head.messageId, outcome);
    }
  }
}

/**
 * Writes a PUBACK, counted by reason code: an accepting one as its four bytes (one goes out per publish), a
 * refusal with its v5 reason code and string (3.1.1 has none: only a refusal it cannot close on comes here).
 */
export function pubacks(out: Outbox, metrics: Metrics): (messageId: number, outcome: 0 | Refusal) => void {
  const accepted = metrics.counter('kiot_mqtt_pubacks_total', { reason: '0x0' });
  return (messageId, outcome) => {
    if (outcome === 0) {
      accepted();
      return out.accepted(messageId);
    }
    metrics.inc('kiot_mqtt_pubacks_total', { reason: `0x${outcome.reason.toString(16)}` });
    out.send(out.isV5 ? { cmd: 'puback', messageId, reasonCode: outcome.reason, ...out.problem(outcome.message) } : { cmd: 'puback', messageId });
  };
}
