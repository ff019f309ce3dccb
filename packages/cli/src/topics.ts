/**
 * `tail` and `replay` for Kafka topics of CloudEvents (the broker's topic, dead letters).
 * The record decoding is the writer's; the transport is passed in.
 */
import { CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type EachMessagePayload, type KafkaMessage } from 'kafkajs';
import { addKafkaCodecs } from '@kiot/core/kafka-codecs';
import { HTTP, type CloudEvent } from 'cloudevents';
import { createExchanger } from '@kiot/core/exchange';
import { kafkaClientSecurity, nestsDeeperThan, toCloudEvent, TOO_DEEP, type KafkaSecurity } from '@kiot/core';
import { isStructuredRecord, unmarkedEvent, unmarkedRecord } from './dead-letter-marks';

// kafkajs reads gzip only: Snappy, LZ4 and ZSTD batches from any producer or broker setting are read too.
addKafkaCodecs(CompressionCodecs, CompressionTypes);

/** Where the topics are: brokers, and TLS and SASL when the cluster wants them. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
}

export interface Range {
  readonly fromTime?: number;
  readonly untilTime?: number;
  readonly fromOffset?: bigint;
  readonly untilOffset?: bigint;
}

export function inRange(m: { offset: string; timestamp: string }, r: Range): 'before' | 'in' | 'after' {
  const offset = BigInt(m.offset);
  const time = Number(m.timestamp);
  if ((r.fromOffset !== undefined && offset < r.fromOffset) || (r.fromTime !== undefined && time < r.fromTime)) return 'before';
  if ((r.untilOffset !== undefined && offset > r.untilOffset) || (r.untilTime !== undefined && time > r.untilTime)) return 'after';
  return 'in';
}

function decode(m: KafkaMessage): CloudEvent<unknown> | string {
  try {
    return toCloudEvent({ key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp });
  } catch (err) {
    return (err as Error).message;
  }
}

/** The event as a JSON line shows it; data too deep for JSON.stringify (why such an event is a dead letter) is named instead, as the live console names it. */
function printable(ev: CloudEvent<unknown>): Record<string, unknown> {
  const json = ev.toJSON();
  return nestsDeeperThan(ev.data) ? { ...json, data: { truncated: true, reason: `data ${TOO_DEEP}` } } : json;
}

/** A replayed record as a binary-mode request: a binary-mode record's value byte for byte; a structured one's data written out, unless it nests too deep for that. */
function binaryRequest(m: KafkaMessage, ev: CloudEvent<unknown>): { headers: Record<string, string>; body: string | Buffer } | undefined {
  const binaryMode = m.value !== null && !isStructuredRecord(m);
  if (!binaryMode && nestsDeeperThan(ev.data)) return undefined;
  const out = HTTP.binary(unmarkedEvent(ev, { withData: !binaryMode }));
  const headers = Object.fromEntries(Object.entries(out.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  const body = binaryMode ? m.value! : typeof out.body === 'string' ? out.body : Buffer.from((out.body ?? new Uint8Array()) as Uint8Array);
  return { headers, body };
}

/** Prints every event of a topic as one JSON line, live, until `stop` resolves. */
export async function tail(conn: KafkaConnection, topic: string, fromBeginning: boolean, print: (line: string) => void, stop: Promise<void>): Promise<void> {
  const kafka = new Kafka({ clientId: 'kiot-tail', brokers: [...conn.brokers], ...kafkaClientSecurity(conn.security), logLevel: logLevel.WARN });
  // A group of its own that commits nothing: tailing never moves anyone's offsets. A mistyped
  // topic is an error, not a new empty topic on a cluster that creates topics on first use.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await requireTopics(admin, [topic], conn.brokers);
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `kiot-tail-${process.pid}-${Date.now()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const ev = decode(message);
      const reason = message.headers?.['kiot_reason']?.toString();
      print(JSON.stringify({ partition, offset: message.offset, ...(reason ? { reason } : {}), ...(typeof ev === 'string' ? { error: ev } : { event: printable(ev) }) }));
    },
  });
  await stop;
  await consumer.disconnect();
}

/** A topic the command needs is not on the cluster: named, so a typo reads as one. */
export class MissingTopicError extends Error {
  constructor(topics: readonly string[], brokers: readonly string[]) {
    super(`the topic${topics.length > 1 ? 's' : ''} ${topics.join(' and ')} ${topics.length > 1 ? 'do' : 'does'} not exist on ${brokers.join(',')}`);
    this.name = 'MissingTopicError';
  }
}

/**
 * Fails with the names of the topics the cluster does not have. Asked of the topic list, so a typo is
 * named at once: kafkajs retries a missing topic's metadata for seconds, then reports the partition.
 */
async function requireTopics(admin: Admin, topics: readonly string[], brokers: readonly string[]): Promise<void> {
  const known = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !known.has(t));
  if (missing.length > 0) throw new MissingTopicError(missing, brokers);
}

export interface ReplayTarget {
  readonly url?: string;
  /** PEM: the CA an https broker ingress is signed by (eventing TLS), besides the system's roots. */
  readonly ca?: string;
  readonly topic?: string;
}

/** Re-publishes the records of a range (to a broker ingress, binary mode, or to another topic), without their dead-letter marks. Returns counts. */
export async function replay(conn: KafkaConnection, topic: string, range: Range, to: ReplayTarget, idleMs = 3000): Promise<{ replayed: number; failed: number; skipped: number }> {
  const kafka = new Kafka({ clientId: 'kiot-replay', brokers: [...conn.brokers], ...kafkaClientSecurity(conn.security), logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
  try {
    // Both topics must exist: a mistyped destination would otherwise be created and quietly fed.
    await requireTopics(admin, [topic, ...(to.topic !== undefined ? [to.topic] : [])], conn.brokers);
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  // Java's partitioner (murmur2 of the key), as the Knative Kafka broker uses: a replayed record lands where the broker would put it.
  const producer = to.topic !== undefined ? kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false }) : undefined;
  await producer?.connect();
  const post = createExchanger({ maxConnections: 16, ca: to.ca });
  const consumer = kafka.consumer({ groupId: `kiot-replay-${process.pid}-${Date.now()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const counts = { replayed: 0, failed: 0, skipped: 0 };
  const remaining = new Set(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => p.partition));
  const highs = new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
  let last = Date.now();
  // A record being handed on is no quiet spell: a slow target must not end the replay early.
  let busy = false;
  let crashed = false;
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) crashed = true;
  });
  const replayOne = async ({ partition, message }: EachMessagePayload): Promise<void> => {
    const high = highs.get(partition) ?? 0n;
    // Past the end the topic had when the replay started: written since (by its own target too, when that is the same topic).
    if (BigInt(message.offset) >= high) return;
    if (BigInt(message.offset) + 1n >= high) remaining.delete(partition);
    if (inRange(message, range) !== 'in') return void counts.skipped++;
    if (producer) {
      const record = unmarkedRecord(message);
      if (record === undefined) return void counts.failed++;
      await producer.send({ topic: to.topic!, messages: [record] });
      return void counts.replayed++;
    }
    const ev = decode(message);
    const request = typeof ev === 'string' ? undefined : binaryRequest(message, ev);
    if (request === undefined) return void counts.failed++;
    const status = await post(new URL(to.url!), request.headers, request.body, 10_000).then((a) => a.status, () => 0);
    if (status >= 200 && status < 300) counts.replayed++;
    else counts.failed++;
  };
  await consumer.run({
    autoCommit: false,
    eachMessage: async (payload) => {
      busy = true;
      try {
        await replayOne(payload);
      } finally {
        busy = false;
        last = Date.now();
      }
    },
  });
  // Stops at the end of the topic as it was when the replay started (or after a quiet spell, or when kafkajs gave up).
  while (remaining.size > 0 && !crashed && (busy || Date.now() - last < idleMs)) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  await producer?.disconnect();
  return counts;
}
