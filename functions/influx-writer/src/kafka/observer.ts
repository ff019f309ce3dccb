/**
 * The Kafka-direct writer's metrics and readiness, for its metrics port: what an operator alerts
 * on is a partition's lag growing, batches retried (InfluxDB away), dead letters, and no batch for a while.
 */
import type { Metrics } from '@kiot/core';
import type { ConsumerObserver } from './consumer';

export interface ObservedConsumer extends ConsumerObserver {
  /** Ready once it has joined its group (partitions assigned), until it stops. */
  ready(): boolean;
  stopping(): void;
}

export function observeConsumer(metrics: Metrics, now: () => number = Date.now): ObservedConsumer {
  let joined = false;
  let stopping = false;
  return {
    joined: () => void (joined = true),
    stopping: () => void (stopping = true),
    ready: () => joined && !stopping,
    retry: () => metrics.inc('kiot_writer_batch_retries_total'),
    batch({ topic, partition, records, result, lag }) {
      metrics.inc('kiot_writer_batches_total');
      metrics.inc('kiot_writer_points_total', {}, result.written);
      metrics.inc('kiot_writer_records_total', { outcome: 'written' }, records - result.skipped - result.dead.length);
      metrics.inc('kiot_writer_records_total', { outcome: 'skipped' }, result.skipped);
      metrics.inc('kiot_writer_records_total', { outcome: 'dead_lettered' }, result.dead.length);
      metrics.set('kiot_writer_consumer_lag', { topic, partition: String(partition) }, lag);
      metrics.set('kiot_writer_last_batch_timestamp_seconds', {}, Math.floor(now() / 1000));
    },
  };
}
