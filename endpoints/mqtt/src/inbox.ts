/**
 * A connection's incoming packets, handled one at a time and in order (a PUBLISH pipelined behind
 * its CONNECT waits for the authentication), with the socket's reading paused while the session
 * has no room for the next one: backpressure, so at most one read's worth is ever held. A pause for
 * room is the endpoint's own wait, not the client's silence: `held` tells keep-alive so.
 */
import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import type { InflightBudget } from './budget';

export interface InboxDeps {
  readonly socket: Duplex;
  /** Payload bytes in flight to the sink, shared by every connection. */
  readonly budget: InflightBudget;
  readonly handle: (p: Packet) => Promise<void>;
  /** Whether the session can take another packet (its own limits: Receive Maximum, unacknowledged publishes). */
  readonly hasRoom: () => boolean;
  readonly closing: () => boolean;
  /** Reading resumed after a hold. */
  readonly released: () => void;
  readonly failed: () => void;
}

export class Inbox {
  private readonly queue: Packet[] = [];
  private draining = false;
  private stopped = false;
  private paused = false;
  /** One function per inbox, so waiting for the budget twice is one wait. */
  private readonly wake = (): void => void this.drain();

  constructor(private readonly deps: InboxDeps) {}

  /** Reading is paused for backpressure. */
  get held(): boolean {
    return this.paused;
  }

  push(p: Packet): void {
    this.queue.push(p);
  }

  /** Called as a forward starts: reading pauses at once when that left no room. */
  check(): void {
    if (!this.deps.hasRoom()) this.hold();
  }

  /** Server shutdown: nothing more is read. */
  stop(): void {
    this.stopped = true;
    this.deps.socket.pause();
  }

  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.deps.closing()) {
        if (!this.deps.hasRoom()) return this.hold();
        const next = this.queue[0]!;
        if (next.cmd === 'publish' && !this.deps.budget.fits(next.payload.length)) {
          this.deps.budget.wait(this.wake);
          return this.hold();
        }
        await this.deps.handle(this.queue.shift()!);
      }
      if (this.deps.closing() || this.stopped) return;
      if (this.paused) {
        this.paused = false;
        this.deps.released();
      }
      this.deps.socket.resume();
    } catch {
      this.deps.failed();
    } finally {
      this.draining = false;
    }
  }

  private hold(): void {
    this.paused = true;
    this.deps.socket.pause();
  }
}
