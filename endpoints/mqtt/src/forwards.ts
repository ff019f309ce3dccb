/**
 * One connection's forwards to the sink: each counted while in flight, here (the connection's
 * Receive Maximum) and in the budget every connection shares, and none sent while the Broker's
 * Retry-After runs (sink-pause.ts). A forward resolves with its failure, if any, never rejects
 * with one: the session turns it into a PUBACK or a closed connection.
 */
import { KiotError, SinkUnavailable, type BinaryEvent, type Metrics, type SendEvent } from '@kiot/core';
import type { QoS } from 'mqtt-packet';
import type { Refusal } from './acks';
import type { InflightBudget } from './budget';
import { REASON } from './publish';
import type { SinkPause } from './sink-pause';

export interface ForwardDeps {
  readonly send: SendEvent;
  readonly budget: InflightBudget;
  readonly pause: SinkPause;
  readonly metrics: Metrics;
}

/** What the connection does around a forward: read less while it is full, read on once one settled. */
export interface ForwardHooks {
  readonly started: () => void;
  readonly settled: () => void;
}

/** A v5 PUBACK for a forward that failed: 0x97 when the sink said it had too much (429), else 0x80; the reason string says what it said. */
export const refusal = (failure: KiotError): Refusal => ({ reason: failure instanceof SinkUnavailable && failure.sinkStatus === 429 ? REASON.quotaExceeded : REASON.unspecified, message: failure.message });

/** A counter per QoS, its series keyed once (a series appears only once counted: nothing forwarded is QoS 2). */
export type PerQos = readonly [(by?: number) => void, (by?: number) => void, (by?: number) => void];
export const perQos = (metrics: Metrics, name: string): PerQos => [metrics.counter(name, { qos: '0' }), metrics.counter(name, { qos: '1' }), metrics.counter(name, { qos: '2' })];

export class Forwards {
  /** Forwards of this connection not yet settled. */
  inflight = 0;
  private readonly forwarded: PerQos;
  private readonly failures: PerQos;
  private readonly held: PerQos;

  constructor(private readonly deps: ForwardDeps, private readonly hooks: ForwardHooks) {
    this.forwarded = perQos(deps.metrics, 'kiot_mqtt_forwarded_total');
    this.failures = perQos(deps.metrics, 'kiot_mqtt_forward_failures_total');
    this.held = perQos(deps.metrics, 'kiot_mqtt_forwards_held_total');
  }

  /** Hands the event to the sink (`bytes`: its payload), counted under `qos`; resolves with the failure, if any. */
  forward(event: BinaryEvent, bytes: number, qos: QoS): Promise<KiotError | undefined> {
    const held = this.deps.pause.held();
    if (held === undefined) return this.track(this.deps.send(event), bytes, qos);
    this.held[qos]();
    this.counted(held, qos);
    return Promise.resolve(held);
  }

  private counted(failure: KiotError | undefined, qos: QoS): KiotError | undefined {
    (failure === undefined ? this.forwarded : this.failures)[qos]();
    return failure;
  }

  /** Counted in the handlers the forward has anyway: no further promise per publish. */
  private track(sent: Promise<void>, bytes: number, qos: QoS): Promise<KiotError | undefined> {
    this.inflight++;
    this.deps.budget.take(bytes);
    this.hooks.started();
    return sent.then(() => this.counted(undefined, qos), (err: unknown) => {
      if (!(err instanceof KiotError)) throw err;
      this.deps.pause.learn(err);
      return this.counted(err, qos);
    }).finally(() => {
      this.inflight--;
      this.deps.budget.give(bytes);
      this.hooks.settled();
    });
  }
}
