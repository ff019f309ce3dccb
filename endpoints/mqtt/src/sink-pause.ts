/**
 * The broker's Retry-After, held for every connection. A Broker whose queue is full answers 503
 * (or 429) with Retry-After; MQTT has no way to pass that on, so forwarding each publish regardless
 * keeps the queue full while every client resends at once. While the wait runs, publishes fail here
 * without a request (v5 PUBACK with the seconds left in its reason string; v3.1.1 closed unacked).
 */
import { SinkUnavailable } from '@kiot/core';

export class SinkPause {
  private until = 0;
  private status: number | undefined;

  /** `maxMs`: the longest wait taken from the sink (0: never hold back). */
  constructor(private readonly maxMs: number, private readonly now: () => number = Date.now) {}

  /** A failed forward: the sink's own Retry-After, if it gave one, holds forwards back for that long (at most maxMs). */
  learn(err: unknown): void {
    if (!(err instanceof SinkUnavailable) || err.sinkRetryAfter === undefined || this.maxMs === 0) return;
    const until = this.now() + Math.min(err.sinkRetryAfter * 1000, this.maxMs);
    if (until <= this.until) return;
    this.until = until;
    this.status = err.sinkStatus;
  }

  /** What a forward fails with at once while the wait runs; undefined once forwards may go. */
  held(): SinkUnavailable | undefined {
    if (this.until === 0) return undefined;
    const left = this.until - this.now();
    if (left <= 0) {
      this.until = 0;
      return undefined;
    }
    const seconds = Math.ceil(left / 1000);
    return new SinkUnavailable(`the event sink asked to wait: retry in ${seconds} s`, seconds, this.status, seconds);
  }
}
