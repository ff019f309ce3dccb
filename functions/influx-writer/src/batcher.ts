/**
 * Micro-batching without a timer: a request is written at once when fewer than `concurrentWrites`
 * writes are in flight; otherwise it waits for one to finish and goes out with everything queued
 * meanwhile. So a lone request pays no added latency and a busy writer sends large batches. Each
 * request is answered when the write that holds its lines is done. A batch InfluxDB rejects (4xx) is split request by request,
 * so only the events whose lines are bad fail and the rest are written; a split is never retried
 * as a whole again, so a poison event cannot hold the others back.
 */
import { KiotError, unprocessable } from '@kiot/core';
import { WriteFailure, type WriteLines } from './influx';

interface Pending {
  readonly lines: readonly string[];
  resolve(): void;
  reject(err: KiotError): void;
}

export interface BatcherOptions {
  readonly maxLines: number;
  readonly concurrentWrites: number;
  readonly retryAfterSeconds: number;
}

export class Batcher {
  private queue: Pending[] = [];
  private queuedLines = 0;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly write: WriteLines, private readonly opts: BatcherOptions) {}

  submit(lines: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ lines, resolve, reject });
      this.queuedLines += lines.length;
      if (this.inflight.size < this.opts.concurrentWrites || this.queuedLines >= this.opts.maxLines) this.flush();
    });
  }

  /** Writes what is queued now; resolves when every write started so far has finished. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inflight]);
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const batch: Pending[] = [];
      let n = 0;
      while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.lines.length <= this.opts.maxLines)) {
        const p = this.queue.shift()!;
        batch.push(p);
        n += p.lines.length;
      }
      this.queuedLines -= n;
      const run = this.writeBatch(batch).finally(() => {
        this.inflight.delete(run);
        if (this.queue.length > 0 && this.inflight.size < this.opts.concurrentWrites) this.flush();
      });
      this.inflight.add(run);
    }
  }

  private async writeBatch(batch: readonly Pending[]): Promise<void> {
    try {
      await this.write(batch.flatMap((p) => p.lines));
      batch.forEach((p) => p.resolve());
    } catch (err) {
      const failure = err instanceof WriteFailure ? err : new WriteFailure('transient', 0, (err as Error).message);
      if (failure.kind === 'transient') return batch.forEach((p) => p.reject(this.unavailable(failure)));
      if (batch.length === 1) return batch[0]!.reject(unprocessable(failure.message, `influx rejected: ${failure.message.slice(0, 160)}`));
      // Split: each request's lines on their own, so only the poison ones fail.
      await Promise.all(batch.map((p) => this.writeBatch([p])));
    }
  }

  private unavailable(f: WriteFailure): KiotError {
    // InfluxDB's own wait when it named one (a rate limit), passed on to the broker.
    return new KiotError('UNAVAILABLE', f.message, undefined, { headers: { 'retry-after': String(f.retryAfterSeconds ?? this.opts.retryAfterSeconds) } });
  }
}
