/**
 * The embedded broker's data plane: accepts events into a bounded queue, fans them out to the
 * Triggers whose filters match, delivers in binary mode with Knative's retry, backoff, timeout
 * and dead-letter rules, and publishes subscribers' CloudEvent replies back into the broker.
 */
import { isRetryableStatus } from '@kiot/core';
import { createSender, type Attempt, type Send } from './attempt';
import { fromHttp, type BrokerEvent } from './cloudevent';
import { deadLetter, type DeadLetterIo } from './dead-letter';
import { buildLanes, type Lane, type Queued, type Resolve } from './lanes';
import { backoffMs, type Wiring } from './manifests';
import type { Journal } from './journal';
import { metricsText, type BrokerCounters, type TriggerCounters } from './metrics';
import type { SinkStore } from './sinks';

export interface DispatcherOptions {
  readonly resolve: Resolve;
  readonly sinks: SinkStore;
  /** Deliveries waiting or in flight, across all Triggers; above it the ingress answers 503. */
  readonly capacity: number;
  readonly concurrencyPerTrigger: number;
  readonly log: (line: Record<string, unknown>) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** When set, accepted events survive a restart of the broker. */
  readonly journal?: Journal;
}

export type IngestResult = 'accepted' | 'unknown-broker' | 'full';

export class Dispatcher {
  private readonly lanes: Map<string, Lane[]>;
  private pending = 0;
  private readonly brokerCounters: Map<string, BrokerCounters>;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly sleep: (ms: number) => Promise<void>;
  private stopped = false;
  private readonly send: Send;
  private readonly deadLetterIo: DeadLetterIo;

  constructor(wiring: Wiring, private readonly opts: DispatcherOptions) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.send = createSender(opts.sinks);
    const built = buildLanes(wiring, opts.resolve, opts.log);
    this.lanes = built.lanes;
    this.brokerCounters = built.brokerCounters;
    this.deadLetterIo = { send: this.send, sleep: this.sleep, log: opts.log };
  }

  hasBroker(namespace: string, name: string): boolean {
    return this.lanes.has(`${namespace}/${name}`);
  }

  get depth(): number {
    return this.pending;
  }

  noteRejected(namespace: string, name: string): void {
    const c = this.brokerCounters.get(`${namespace}/${name}`);
    if (c) c.rejected++;
  }

  /** Accepts an event for every matching Trigger, or nothing at all when the queue is full. */
  ingest(namespace: string, name: string, event: BrokerEvent): IngestResult {
    const lanes = this.lanes.get(`${namespace}/${name}`);
    const counters = this.brokerCounters.get(`${namespace}/${name}`);
    if (!lanes || !counters) return 'unknown-broker';
    const matching = lanes.filter((l) => l.trigger.matches(event.attributes));
    if (this.pending + matching.length > this.opts.capacity) {
      counters.full++;
      return 'full';
    }
    counters.accepted++;
    // On disk before the 202: a broker that stops now still delivers this event after its restart.
    const seq = matching.length > 0 && this.opts.journal ? this.opts.journal.add(`${namespace}/${name}`, matching.map((l) => l.trigger.name), event) : 0;
    this.enqueue(matching, { seq, event });
    return 'accepted';
  }

  /** Re-queues what a previous run of the broker accepted and did not finish (from the journal). */
  recover(): number {
    let n = 0;
    for (const p of this.opts.journal?.recover() ?? []) {
      const lanes = (this.lanes.get(p.broker) ?? []).filter((l) => p.lanes.includes(l.trigger.name));
      for (const name of p.lanes) if (!lanes.some((l) => l.trigger.name === name)) this.opts.journal?.done(p.seq, name);
      this.enqueue(lanes, { seq: p.seq, event: p.event });
      n += lanes.length;
    }
    return n;
  }

  private enqueue(lanes: readonly Lane[], item: Queued): void {
    for (const lane of lanes) {
      lane.counters.accepted++;
      lane.queue.push(item);
      this.pending++;
      this.pump(lane);
    }
  }

  /** Stops delivering: what is not finished stays in the journal for the next start. */
  stop(): void {
    this.stopped = true;
    this.opts.journal?.close();
  }

  /** Resolves when every accepted event has been delivered, dead-lettered or dropped. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(lane: Lane): void {
    while (lane.active < this.opts.concurrencyPerTrigger && lane.queue.length > 0) {
      const item = lane.queue.shift()!;
      lane.active++;
      void this.deliver(lane, item.event).then((finished) => {
        if (finished && item.seq > 0 && !this.stopped) this.opts.journal?.done(item.seq, lane.trigger.name);
      }).finally(() => {
        lane.active--;
        this.pending--;
        if (this.pending === 0) this.idleWaiters.splice(0).forEach((r) => r());
        this.pump(lane);
      });
    }
  }

  /** Resolves true once the event is finished for this Trigger, false when the broker stopped first. */
  private async deliver(lane: Lane, event: BrokerEvent): Promise<boolean> {
    const retries = lane.delivery.retry ?? 0;
    let last: Attempt = { ok: false, status: 0, headers: {}, body: Buffer.alloc(0) };
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        lane.counters.retried++;
        await this.sleep(backoffMs(lane.delivery, attempt));
      }
      if (this.stopped) return false;
      last = await this.send(lane.subscriber, event, lane.delivery.timeoutMs);
      if (last.ok) {
        const failure = this.takeReply(lane, last);
        if (failure === undefined) {
          lane.counters.delivered++;
          return true;
        }
        last = failure;
      }
      if (last.final === true || (last.status !== 0 && !isRetryableStatus(last.status))) break;
    }
    if (this.stopped) return false;
    await deadLetter(lane, event, last, this.deadLetterIo);
    return true;
  }

  /** A CloudEvent in a 2xx response (other than 202) goes back into the broker; an empty body ends delivery. */
  private takeReply(lane: Lane, res: Attempt): Attempt | undefined {
    const hasEvent = res.headers['ce-id'] !== undefined || res.headers['content-type']?.startsWith('application/cloudevents') === true;
    if (res.status === 202 || (!hasEvent && res.body.length === 0)) return undefined;
    let reply: BrokerEvent;
    try {
      if (!hasEvent) throw new Error('unknown encoding and non empty response');
      reply = fromHttp(res.headers, res.body);
    } catch (err) {
      // As the Kafka dispatcher does: a body it cannot decode is a failed delivery.
      return { ...res, ok: false, final: true, error: `unable to decode response: ${(err as Error).message}` };
    }
    const result = this.ingest(lane.trigger.namespace, lane.trigger.broker, reply);
    return result === 'accepted' ? undefined : { ...res, ok: false, status: 503, error: 'broker full: reply not accepted' };
  }

  /** Prometheus text: per broker and per Trigger counters, and the queue depth. */
  metrics(): string {
    const triggers = [...this.lanes.values()].flat().map((l) => ({ name: `${l.trigger.namespace}/${l.trigger.name}`, counters: l.counters, depth: l.queue.length + l.active }));
    return metricsText({ pending: this.pending, capacity: this.opts.capacity, brokers: this.brokerCounters, triggers });
  }

  counters(trigger: string): Readonly<TriggerCounters> | undefined {
    for (const lanes of this.lanes.values()) for (const l of lanes) if (l.trigger.name === trigger) return { ...l.counters };
    return undefined;
  }
}
