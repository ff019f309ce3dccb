/**
 * The payload bytes in flight to the sink across all connections, bounded. A connection's Receive
 * Maximum bounds its own forwards, but thousands of connections at up to a Maximum Packet Size a
 * publish would hold gigabytes while the sink is slow. Past the bound a connection stops reading
 * until forwards finish (backpressure, as its own Receive Maximum does), instead of the process
 * running out of memory.
 */
export class InflightBudget {
  private used = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly max: number) {}

  get bytes(): number {
    return this.used;
  }

  /** Whether a forward of `bytes` may start now; one may always start when nothing is in flight. */
  fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.max;
  }

  take(bytes: number): void {
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
    if (this.waiting.size === 0) return;
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const wake of woken) wake();
  }

  /** `wake` is called once, the next time bytes are given back. */
  wait(wake: () => void): void {
    this.waiting.add(wake);
  }
}
