/**
 * Kafka-direct entry point (`npm run start:consumer`, deployed as a Deployment): reads CloudEvents
 * straight from a Kafka topic and writes them in large batches, for volumes the broker's
 * one-HTTP-request-per-event push cannot carry.
 */
import type { AddressInfo } from 'node:net';
import { ConfigError, Metrics, probeServer } from '@kiot/core';
import { createInfluxWriter } from './influx';
import { parseConsumerConfig } from './kafka/config';
import { runConsumer } from './kafka/consumer';
import { observeConsumer } from './kafka/observer';
import { processBatch } from './kafka/pipeline';

const log = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'influx-writer-consumer', ...line })}\n`);

async function main(): Promise<void> {
  const { writer, kafka, metricsPort } = parseConsumerConfig(process.env);
  const write = createInfluxWriter({ ...writer, precision: writer.mapping.precision });
  const metrics = new Metrics();
  const observed = observeConsumer(metrics);
  // Up before the consumer: the kubelet's liveness probe answers while the group is still being joined.
  const probes = probeServer(metrics, observed.ready);
  await new Promise<void>((resolve) => probes.listen(metricsPort, resolve));
  const running = await runConsumer(kafka, (records, heartbeat) => processBatch(records, write, writer.mapping, writer.maxBatchLines, writer.inputTypes, heartbeat), log, observed);
  log({ msg: 'consuming', topics: kafka.topics, group: kafka.groupId, metricsPort: (probes.address() as AddressInfo).port });
  // A consumer kafkajs will not restart reads nothing more: exit, so the Deployment restarts the pod and shows it.
  void running.failed.then((err) => {
    log({ msg: 'consumer stopped for good: exiting', error: err.message });
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    observed.stopping();
    log({ msg: 'stopping: finishing the batch in progress and committing it', signal });
    void running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `consumer failed: ${(err as Error).message}`}\n`);
  process.exit(1);
});
