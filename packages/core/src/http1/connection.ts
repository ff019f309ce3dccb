/**
 * One keep-alive connection: requests written in order, answers matched to them in the same order
 * (RFC 9112 §9.3). Requests made in one turn of the event loop go out in one write, so a pipelined
 * connection costs one system call for many of them.
 */
import type { Socket } from 'node:net';
import { setImmediate } from 'node:timers';
import { AnswerReader, type Answer } from './answers';
import { AnswerError } from './head';

/** A request on its way, and how to settle its caller (once: later calls are ignored). */
export interface Job {
  readonly bytes: Buffer;
  /** The connection it was written to; undefined while it waits for one. */
  connection: Connection | undefined;
  settled: boolean;
  settle(err: Error | undefined, answer?: Answer): void;
}

export interface ConnectionEvents {
  /** An answer came in and the connection has room again. */
  freed(connection: Connection): void;
  /**
   * The connection is gone. `unread` were written after an answer that closed it: the server must not
   * have acted on them (RFC 9112 §9.6), so they may be sent again elsewhere. Every other job on it has failed.
   */
  closed(connection: Connection, unread: Job[]): void;
}

/** What a job fails with when its connection went before its answer came. */
export class ConnectionLost extends Error {}

export class Connection {
  /** Written (or about to be) and not yet answered, oldest first. */
  private readonly jobs: Job[] = [];
  private out: Buffer[] = [];
  private flushing = false;
  private open = true;
  private reusable = true;
  private hinted = false;
  private failure: Error | undefined;
  private unread: Job[] = [];
  private readonly reader: AnswerReader;

  constructor(
    private readonly socket: Socket,
    private readonly idleMs: number,
    maxBodyBytes: number,
    private readonly events: ConnectionEvents,
  ) {
    this.reader = new AnswerReader((answer) => this.answered(answer), maxBodyBytes);
    socket.setNoDelay(true);
    // Fires after idleMs without traffic; only an idle connection is closed by it (a slow answer is the caller's timer's business).
    socket.setTimeout(idleMs, () => {
      if (this.jobs.length === 0) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.feed(chunk);
      } catch (err) {
        socket.destroy(err instanceof Error ? err : new AnswerError(String(err)));
      }
    });
    // The server closed its side without a word (an idle timeout it never announced): what is not yet written goes elsewhere.
    socket.on('end', () => this.ended());
    socket.on('error', (err) => (this.failure ??= err));
    socket.on('close', () => this.gone());
  }

  /** Requests written and not yet answered. */
  get load(): number {
    return this.jobs.length;
  }

  /** Whether it takes more requests: not once the server said it closes, or the connection failed. */
  get usable(): boolean {
    return this.reusable && this.open;
  }

  send(job: Job): void {
    job.connection = this;
    if (this.jobs.length === 0) this.socket.ref();
    this.jobs.push(job);
    this.out.push(job.bytes);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(this.flush);
    }
  }

  /** Closes it at once; the jobs on it fail with ConnectionLost (or the socket's own error). */
  destroy(): void {
    this.socket.destroy();
  }

  private readonly flush = (): void => {
    this.flushing = false;
    const out = this.out;
    this.out = [];
    if (!this.open || !this.reusable || out.length === 0) return;
    this.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  };

  private answered(answer: Answer): void {
    const job = this.jobs.shift();
    if (job === undefined) throw new AnswerError('an answer came to no request');
    job.settle(undefined, answer);
    if (answer.close) {
      this.reusable = false;
      // Ahead of any the server's own close left unwritten (ended).
      this.unread = [...this.jobs.splice(0), ...this.unread];
      this.socket.destroy();
      return;
    }
    if (!this.hinted) this.hint(answer.headers['keep-alive']);
    if (this.jobs.length === 0) this.socket.unref();
    this.events.freed(this);
  }

  private ended(): void {
    if (!this.reusable) return;
    this.reusable = false;
    // Queued jobs are the last of `jobs`; those before them were written, and their answers can no longer come.
    const unwritten = this.out.length;
    this.out = [];
    this.unread = this.jobs.splice(this.jobs.length - unwritten);
  }

  /** A server that says how long it keeps an idle connection (Keep-Alive: timeout=N) is left a second before that, so a request never races its close. */
  private hint(keepAlive: string | undefined): void {
    this.hinted = true;
    const seconds = keepAlive === undefined ? undefined : /(?:^|[,;\s])timeout=(\d+)/i.exec(keepAlive)?.[1];
    if (seconds === undefined) return;
    const ms = Number(seconds) * 1000;
    const idle = Math.min(this.idleMs, ms > 2000 ? ms - 1000 : ms / 2);
    if (idle < this.idleMs) this.socket.setTimeout(idle);
  }

  private gone(): void {
    if (!this.open) return;
    this.open = false;
    // An answer whose body runs to the close is complete now.
    try {
      this.reader.end();
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new AnswerError(String(err));
    }
    const lost = this.failure ?? new ConnectionLost('the connection closed before the answer came');
    for (const job of this.jobs.splice(0)) job.settle(lost);
    const unread = this.unread;
    this.unread = [];
    for (const job of unread) job.connection = undefined;
    this.events.closed(this, unread);
  }
}
