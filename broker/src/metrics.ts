/** The broker's Prometheus text: per broker and per Trigger counters, and the queue depths. */

/** What happened to the events a Trigger accepted. */
export interface TriggerCounters { accepted: number; delivered: number; retried: number; deadLettered: number; dropped: number }

/** What the ingress did with the events posted to a broker. */
export interface BrokerCounters { accepted: number; rejected: number; full: number }

export interface BrokerState {
  /** Deliveries waiting or in flight, across all Triggers, and the most there may be. */
  readonly pending: number;
  readonly capacity: number;
  /** By `namespace/broker`. */
  readonly brokers: ReadonlyMap<string, Readonly<BrokerCounters>>;
  /** `namespace/trigger`, its counters, and its deliveries waiting or in flight. */
  readonly triggers: readonly { readonly name: string; readonly counters: Readonly<TriggerCounters>; readonly depth: number }[];
}

export function metricsText(s: BrokerState): string {
  const lines = [
    '# HELP kiot_broker_queue_depth Deliveries waiting or in flight.',
    '# TYPE kiot_broker_queue_depth gauge',
    `kiot_broker_queue_depth ${s.pending}`,
    `kiot_broker_queue_capacity ${s.capacity}`,
    '# TYPE kiot_broker_events_total counter',
  ];
  for (const [key, c] of s.brokers) for (const [k, v] of Object.entries(c)) lines.push(`kiot_broker_events_total{broker="${key}",result="${k}"} ${v}`);
  lines.push('# TYPE kiot_trigger_events_total counter');
  for (const t of s.triggers) for (const [k, v] of Object.entries(t.counters)) lines.push(`kiot_trigger_events_total{trigger="${t.name}",result="${k}"} ${v}`);
  // Per Trigger: which subscriber a growing backlog waits on.
  lines.push('# HELP kiot_trigger_queue_depth Deliveries to this Trigger\'s subscriber waiting or in flight.', '# TYPE kiot_trigger_queue_depth gauge');
  for (const t of s.triggers) lines.push(`kiot_trigger_queue_depth{trigger="${t.name}"} ${t.depth}`);
  return `${lines.join('\n')}\n`;
}
