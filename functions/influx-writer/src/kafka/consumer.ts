/**
 * The only file that knows kafkajs. Reads batches, hands them to `handle`, sends dead letters to
 * their topic, and commits a batch's offsets only after all of that succeeded (at-least-once:
 * a crash before the commit means the batch is read again; identical points overwrite).
 */
import { CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import { addKafkaCodecs } from '@kiot/core/kafka-codecs';
import type { BatchResult, DeadLetter } from './pipeline';
import { kafkaClientSecurity, type KafkaSecurity, type RawRecord } from '@kiot/core';

// kafkajs reads gzip only: Snappy, LZ4 and ZSTD batches from any producer or broker setting are read too.
addKafkaCodecs(CompressionCodecs, CompressionTypes);

export interface KafkaTarget {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly deadLetterTopic: string;
  readonly fromBeginning: boolean;
  /** Partitions processed at once: overlaps one partition's InfluxDB write with another's decoding. */
  readonly concurrency: number;
  /** How long a silent member keeps its partitions: a crashed writer's partitions move after this. */
  readonly sessionTimeoutMs?: number;
  /** TLS and SASL (KAFKA_AUTH_DIR); none is plaintext. */
  readonly security?: KafkaSecurity;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /**
   * Settles when kafkajs gave up for good (a crash it will not restart from: the broker refused
   * the group's session timeout, authorization failed, …). The consumer then reads nothing more.
   */
  readonly failed: Promise<Error>;
}

export type Log = (line: Record<string, unknown>) => void;

/** What an operator watches (the entry point turns it into metrics): group joins, batches, retries. */
export interface ConsumerObserver {
  joined(): void;
  /** A batch written and committed; `lag`: records of its partition still to read. */
  batch(b: { readonly topic: string; readonly partition: number; readonly records: number; readonly result: BatchResult; readonly lag: number }): void;
  /** A batch failed for a reason that passes (InfluxDB down): nothing committed, it is read again. */
  retry(): void;
}

const unobserved: ConsumerObserver = { joined: () => undefined, batch: () => undefined, retry: () => undefined };

function deadLetterMessage(d: DeadLetter, topic: string, partition: number, offset: string) {
  const headers: Record<string, Buffer | string> = {};
  for (const [k, v] of Object.entries(d.record.headers)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) headers[k] = first;
  }
  // The reason travels in headers; the record itself is kept byte for byte.
  Object.assign(headers, { kiot_reason: d.reason, kiot_source: `${topic}/${partition}/${offset}` });
  return { key: d.record.key, value: d.record.value, headers };
}

/** The wait a failure names (WriteFailure carries InfluxDB's Retry-After), at most a minute; 0 if none. */
function retryAfterMs(err: unknown): number {
  const s = (err as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof s === 'number' && s > 0 ? Math.min(s, 60) * 1000 : 0;
}

/**
 * Waits out a named delay before the batch goes back to kafkajs, which would retry within a
 * second and keep a rate-limited database limited. Heartbeats meanwhile, so the group does not
 * take the partition away; a rebalance or a stop ends the wait.
 */
async function waitOut(ms: number, heartbeat: () => Promise<void>, stopping: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !stopping()) {
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    try {
      await heartbeat();
    } catch {
      return;
    }
  }
}

/**
 * The dead-letter topic exists before the first record is read. Left to the broker's auto-creation
 * (off on many clusters), the first poison record's send would fail, and its batch would be read
 * and fail again without end, holding its partition back. It is made as durable as the topics its
 * records come from (their replication factor; the cluster's default is often 1), with the
 * cluster's default partitions.
 */
export async function ensureTopic(admin: Pick<Admin, 'listTopics' | 'fetchTopicMetadata' | 'createTopics'>, topic: string, sources: readonly string[], log: Log): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  const metadata = await admin.fetchTopicMetadata({ topics: [...sources] }).catch(() => ({ topics: [] }));
  const replicas = Math.max(0, ...metadata.topics.flatMap((t) => t.partitions.map((p) => p.replicas.length)));
  // false: another replica created it meanwhile.
  const created = await admin.createTopics({ topics: [{ topic, ...(replicas > 0 ? { replicationFactor: replicas } : {}) }], waitForLeaders: true }).catch((err: unknown) => {
    throw new Error(`the dead-letter topic ${topic} does not exist and could not be created (${(err as Error).message}): create it, or let this writer create topics`, { cause: err });
  });
  if (created) log({ msg: 'created the dead-letter topic', topic, replicationFactor: replicas > 0 ? replicas : 'cluster default' });
}

/** Handles a batch; `heartbeat` keeps the group membership while it runs long (call it between writes). */
export type BatchHandler = (records: RawRecord[], heartbeat: () => Promise<void>) => Promise<BatchResult>;

export async function runConsumer(target: KafkaTarget, handle: BatchHandler, log: Log, observe: ConsumerObserver = unobserved): Promise<RunningConsumer> {
  const kafka = new Kafka({ clientId: target.clientId, brokers: [...target.brokers], ...kafkaClientSecurity(target.security), logLevel: logLevel.WARN, retry: { retries: 8, initialRetryTime: 300 } });
  const consumer: Consumer = kafka.consumer({ groupId: target.groupId, maxBytesPerPartition: 4 * 1024 * 1024, ...(target.sessionTimeoutMs !== undefined ? { sessionTimeout: target.sessionTimeoutMs, heartbeatInterval: Math.max(500, Math.floor(target.sessionTimeoutMs / 10)) } : {}) });
  // Named, so kafkajs does not warn at every start that its default changed: Java's partitioner, as Knative's Kafka components use.
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
  // Registered before anything runs: a group join the broker refuses crashes the consumer at once.
  const failed = new Promise<Error>((resolve) => consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) resolve(e.payload.error);
  }));
  let stopping = false;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopic(admin, target.deadLetterTopic, target.topics, log);
  } finally {
    await admin.disconnect();
  }
  await producer.connect();
  await consumer.connect();
  for (const topic of target.topics) await consumer.subscribe({ topic, fromBeginning: target.fromBeginning });
  // Which partitions this writer owns, after every rebalance: what an operator looks for when a writer restarts.
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    log({ msg: 'joined group', group: e.payload.groupId, partitions: e.payload.memberAssignment, durationMs: e.payload.duration });
    observe.joined();
  });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: target.concurrency,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      if (batch.messages.length === 0) return;
      const records: RawRecord[] = batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp }));
      // A transient failure throws here: nothing is committed and kafkajs reads the batch again.
      let result: BatchResult;
      try {
        result = await handle(records, heartbeat);
      } catch (err) {
        observe.retry();
        await waitOut(retryAfterMs(err), heartbeat, () => stopping);
        throw err;
      }
      if (result.dead.length > 0) {
        // Each record's offset, looked up only for a batch that has dead letters: most have none.
        const offsets = new Map(records.map((r, i) => [r, batch.messages[i]!.offset]));
        await producer.send({ topic: target.deadLetterTopic, messages: result.dead.map((d) => deadLetterMessage(d, batch.topic, batch.partition, offsets.get(d.record) ?? '?')) });
      }
      const last = batch.messages[batch.messages.length - 1]!.offset;
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      resolveOffset(last);
      // Logged before the heartbeat, which throws while the group rebalances: the batch is written and committed either way.
      log({ msg: 'batch written', topic: batch.topic, partition: batch.partition, records: records.length, points: result.written, skipped: result.skipped, dead: result.dead.length });
      observe.batch({ topic: batch.topic, partition: batch.partition, records: records.length, result, lag: Number(batch.offsetLag()) });
      await heartbeat();
    },
  });
  return {
    failed,
    async stop() {
      // disconnect() waits for the batch in progress, which commits only after its write.
      stopping = true;
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
