import { strict as assert } from 'node:assert';
import { Metrics } from '@kiot/core';
import { observeConsumer } from '../src/kafka/observer';

describe('Kafka-direct observer (metrics and readiness)', () => {
  it('is ready only between joining its group and stopping', () => {
    const o = observeConsumer(new Metrics());
    assert.equal(o.ready(), false);
    o.joined();
    assert.equal(o.ready(), true);
    o.stopping();
    assert.equal(o.ready(), false);
  });

  it('counts batches, points and record outcomes, keeps each partition\'s latest lag, and counts retries', () => {
    const m = new Metrics();
    const o = observeConsumer(m, () => 1_800_000_000_500);
    const dead = [{ record: { key: null, value: null, headers: {}, timestamp: '0' }, reason: 'x' }];
    o.batch({ topic: 't', partition: 0, records: 10, result: { written: 40, skipped: 2, dead }, lag: 500 });
    o.batch({ topic: 't', partition: 0, records: 5, result: { written: 5, skipped: 0, dead: [] }, lag: 0 });
    o.batch({ topic: 't', partition: 1, records: 1, result: { written: 1, skipped: 0, dead: [] }, lag: 7 });
    o.retry();
    assert.equal(m.text(), [
      '# TYPE kiot_writer_consumer_lag gauge',
      'kiot_writer_consumer_lag{topic="t",partition="0"} 0',
      'kiot_writer_consumer_lag{topic="t",partition="1"} 7',
      '# TYPE kiot_writer_last_batch_timestamp_seconds gauge',
      'kiot_writer_last_batch_timestamp_seconds 1800000000',
      '# TYPE kiot_writer_batch_retries_total counter',
      'kiot_writer_batch_retries_total 1',
      '# TYPE kiot_writer_batches_total counter',
      'kiot_writer_batches_total 3',
      '# TYPE kiot_writer_points_total counter',
      'kiot_writer_points_total 46',
      '# TYPE kiot_writer_records_total counter',
      'kiot_writer_records_total{outcome="dead_lettered"} 1',
      'kiot_writer_records_total{outcome="skipped"} 2',
      'kiot_writer_records_total{outcome="written"} 13',
      '',
    ].join('\n'));
  });
});
