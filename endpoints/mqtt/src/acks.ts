/**
 * QoS 1 acknowledgements in the order the PUBLISHes came in, as MQTT requires: each PUBACK waits
 * for its own forward and for every earlier one.
 */

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
