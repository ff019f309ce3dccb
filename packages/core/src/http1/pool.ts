/**
 * Keep-alive connections to one origin. A request goes to an idle connection, else (pipelining > 1)
 * behind the fewest unanswered requests on one that has room, else to a new connection while there
 * are fewer than maxConnections, else it waits for room.
 */
import type { Socket } from 'node:net';
import { Connection, type Job } from './connection';

export interface PoolOptions {
  readonly connect: () => Socket;
  readonly maxConnections: number;
  /** Requests a connection may carry unanswered; 1 is no pipelining. */
  readonly pipelining: number;
  /** An idle connection is closed after this long (sooner when the server says it closes sooner). */
  readonly idleMs: number;
  readonly maxBodyBytes: number;
}

export class Pool {
  private readonly connections = new Set<Connection>();
  private waiting: Job[] = [];

  constructor(private readonly options: PoolOptions) {}

  dispatch(job: Job): void {
    const connection = this.pick();
    if (connection === undefined) this.waiting.push(job);
    else connection.send(job);
  }

  /** Takes back a job that is still waiting for room (its caller gave up): it is never sent. */
  forget(job: Job): void {
    const i = this.waiting.indexOf(job);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  private pick(): Connection | undefined {
    let best: Connection | undefined;
    for (const c of this.connections) {
      if (!c.usable) continue;
      const load = c.load;
      if (load === 0) return c;
      if (load < this.options.pipelining && (best === undefined || load < best.load)) best = c;
    }
    if (best !== undefined) return best;
    if (this.connections.size >= this.options.maxConnections) return undefined;
    const c = new Connection(this.options.connect(), this.options.idleMs, this.options.maxBodyBytes, {
      freed: (freed) => this.drain(freed),
      closed: (closed, unread) => {
        this.connections.delete(closed);
        // Requests the server closed on without reading go first, ahead of those that never left.
        this.waiting = [...unread, ...this.waiting];
        this.drain(undefined);
      },
    });
    this.connections.add(c);
    return c;
  }

  /** Hands waiting jobs on: to `freed` while it has room, or (undefined) wherever pick finds room. */
  private drain(freed: Connection | undefined): void {
    while (this.waiting.length > 0) {
      const to = freed === undefined ? this.pick() : freed.usable && freed.load < this.options.pipelining ? freed : undefined;
      if (to === undefined) return;
      const job = this.waiting.shift()!;
      if (!job.settled) to.send(job);
    }
  }
}
