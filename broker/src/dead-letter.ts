/**
 * Where a delivery ends that its retries did not save: the event, with the knativeerror* extensions
 * Knative's dispatchers add to say why, goes to the Trigger's dead-letter sink (a few attempts, on
 * the Trigger's backoff). Without one, or when it keeps failing, the event is dropped: counted and
 * logged by its id, never by its data.
 */
import { errorExtensions, type Attempt, type Send } from './attempt';
import { withAttributes, type BrokerEvent } from './cloudevent';
import type { Lane } from './lanes';
import { backoffMs } from './manifests';

export interface DeadLetterIo {
  readonly send: Send;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: Record<string, unknown>) => void;
}

/** Attempts at the dead-letter sink after the first. */
const DEAD_LETTER_RETRIES = 3;

export async function deadLetter(lane: Lane, event: BrokerEvent, last: Attempt, io: DeadLetterIo): Promise<void> {
  const dest = lane.deadLetter;
  const { trigger } = lane;
  if (!dest) {
    lane.counters.dropped++;
    io.log({ msg: 'delivery failed and no dead-letter sink: event dropped', trigger: `${trigger.namespace}/${trigger.name}`, status: last.status, id: event.attributes['id'] });
    return;
  }
  const dead = withAttributes(event, errorExtensions(lane.subscriber, last));
  for (let attempt = 0; attempt <= DEAD_LETTER_RETRIES; attempt++) {
    if (attempt > 0) await io.sleep(backoffMs(lane.delivery, attempt));
    const res = await io.send(dest, dead, lane.delivery.timeoutMs);
    if (res.ok) {
      lane.counters.deadLettered++;
      return;
    }
  }
  lane.counters.dropped++;
  io.log({ msg: 'dead-letter sink failed: event dropped', trigger: `${trigger.namespace}/${trigger.name}`, id: event.attributes['id'] });
}
