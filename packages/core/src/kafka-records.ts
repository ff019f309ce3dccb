/**
 * Kafka records as CloudEvents: the Knative Kafka broker's binary mode (`ce_*` headers, the data as
 * the value, `partitionkey` as the key) or structured mode (application/cloudevents+json).
 */
import { Kafka, ValidationError, type CloudEvent, type KafkaMessage } from 'cloudevents';

export interface RawRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  readonly timestamp: string;
}

export class PoisonRecord extends Error {}

/** kafkajs gives header values as Buffers; the SDK wants lower-case names and string values. */
function headersOf(r: RawRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k.toLowerCase()] = first.toString();
  }
  return out;
}

export function toCloudEvent(r: RawRecord): CloudEvent<unknown> {
  const headers = headersOf(r);
  if (r.value === null) throw new PoisonRecord('record has no value');
  let event: CloudEvent<unknown>;
  try {
    const parsed = Kafka.toEvent({ key: r.key?.toString(), value: r.value.toString('utf8'), headers, timestamp: r.timestamp } as unknown as KafkaMessage<string>);
    if (Array.isArray(parsed)) throw new PoisonRecord('batched records are not supported');
    event = parsed as CloudEvent<unknown>;
    event.validate();
  } catch (err) {
    if (err instanceof PoisonRecord) throw err;
    throw new PoisonRecord(err instanceof ValidationError ? `invalid CloudEvent: ${JSON.stringify(err.errors).slice(0, 200)}` : `not a CloudEvent: ${(err as Error).message.slice(0, 200)}`);
  }
  return event;
}
