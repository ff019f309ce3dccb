/** Kafka-direct configuration: the writer's InfluxDB settings plus where to read. */
import { EnvReader, kafkaSecurityFromDirectory, type Env } from '@kiot/core';
import { parseConfig as parseWriterConfig, type WriterConfig } from '../config';
import type { KafkaTarget } from './consumer';

export interface ConsumerConfig {
  readonly writer: Readonly<WriterConfig>;
  readonly kafka: KafkaTarget;
  /** /metrics, /healthz and /readyz; 0 picks a free port. */
  readonly metricsPort: number;
}

export function parseConsumerConfig(env: Env): Readonly<ConsumerConfig> {
  const r = new EnvReader(env);
  const brokers = r.list('KAFKA_BROKERS');
  if (brokers.length === 0) r.problem('KAFKA_BROKERS is required (host:port, comma-separated)');
  // TLS and SASL: the Kafka broker's auth Secret, mounted as it is.
  const authDir = r.optional('KAFKA_AUTH_DIR');
  const auth = authDir === undefined ? undefined : kafkaSecurityFromDirectory(authDir);
  for (const p of auth?.problems ?? []) r.problem(p);
  const kafka: KafkaTarget = {
    brokers,
    clientId: r.string('KAFKA_CLIENT_ID', 'kiot-influx-writer'),
    groupId: r.string('KAFKA_GROUP_ID', 'kiot-influx-writer'),
    // The Knative Kafka broker's own topic: knative-broker-<namespace>-<broker>.
    topics: r.list('KAFKA_TOPICS').length > 0 ? r.list('KAFKA_TOPICS') : ['knative-broker-kiot-kiot'],
    deadLetterTopic: r.string('KAFKA_DEAD_LETTER_TOPIC', 'kiot-writer-dead-letters'),
    // A group with no committed offsets starts at the earliest one: what the Broker took before the writer first
    // joined (a first deployment, a new group id) is written too; points read twice are identical and overwrite.
    fromBeginning: r.boolean('KAFKA_FROM_BEGINNING', true),
    concurrency: r.integer('KAFKA_PARTITIONS_CONCURRENTLY', 3, 1, 64),
    sessionTimeoutMs: r.integer('KAFKA_SESSION_TIMEOUT_MS', 30_000, 6000, 300_000),
    security: auth?.security ?? {},
  };
  let writer: Readonly<WriterConfig> | undefined;
  try {
    writer = parseWriterConfig(env);
  } catch (err) {
    for (const p of (err as { problems?: string[] }).problems ?? [(err as Error).message]) r.problem(p);
  }
  return r.done({ writer: writer!, kafka, metricsPort: r.integer('CONSUMER_METRICS_PORT', 9464, 0, 65535) });
}
