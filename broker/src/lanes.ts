/**
 * A lane per Trigger: its own queue, concurrency and counters, with the delivery settings merged
 * from its Broker's (Knative's rule: the Trigger's own win). A Trigger whose subscriber or
 * dead-letter sink is not running here (left out of the local stack) gets no lane, and says so.
 */
import type { Deliverable, Target } from './attempt';
import type { BrokerEvent } from './cloudevent';
import { mergeDelivery, type Delivery, type Destination, type TriggerSpec, type Wiring } from './manifests';
import type { BrokerCounters, TriggerCounters } from './metrics';

export type Resolve = (dest: Destination) => Target;

export interface Queued {
  /** The event's number in the journal (0: not journaled). */
  readonly seq: number;
  readonly event: BrokerEvent;
}

export interface Lane {
  readonly trigger: TriggerSpec;
  readonly delivery: Delivery;
  readonly subscriber: Deliverable;
  readonly deadLetter: Deliverable | undefined;
  readonly queue: Queued[];
  active: number;
  readonly counters: TriggerCounters;
}

/** Every Broker's lanes and counters, keyed `namespace/name`. */
export interface Lanes {
  readonly lanes: Map<string, Lane[]>;
  readonly brokerCounters: Map<string, BrokerCounters>;
}

export function buildLanes(wiring: Wiring, resolve: Resolve, log: (line: Record<string, unknown>) => void): Lanes {
  const lanes = new Map<string, Lane[]>();
  const brokerCounters = new Map<string, BrokerCounters>();
  for (const b of wiring.brokers) {
    lanes.set(`${b.namespace}/${b.name}`, []);
    brokerCounters.set(`${b.namespace}/${b.name}`, { accepted: 0, rejected: 0, full: 0 });
  }
  for (const t of wiring.triggers) {
    const broker = wiring.brokers.find((b) => b.name === t.broker && b.namespace === t.namespace)!;
    const delivery = mergeDelivery(broker.delivery, t.delivery);
    const subscriber = resolve(t.subscriber);
    const deadLetter = delivery.deadLetterSink ? resolve(delivery.deadLetterSink) : undefined;
    if ('disabled' in subscriber || (deadLetter !== undefined && 'disabled' in deadLetter)) {
      log({ msg: 'trigger disabled: its destination is not running here', trigger: `${t.namespace}/${t.name}` });
      continue;
    }
    lanes.get(`${t.namespace}/${t.broker}`)!.push({
      trigger: t,
      delivery,
      subscriber,
      deadLetter,
      queue: [],
      active: 0,
      counters: { accepted: 0, delivered: 0, retried: 0, deadLettered: 0, dropped: 0 },
    });
  }
  return { lanes, brokerCounters };
}
