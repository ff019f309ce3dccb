/**
 * The Kafka-direct writer as its Deployment runs it (build/consumer.js), against the real Kafka and
 * VictoriaMetrics: the metrics port an operator scrapes and the probes the kubelet calls.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CloudEvent } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../../../test/support/runtime';
import { eventually, needVictoriaMetrics, VM_URL } from '../../../test/support/services';
import { brokerRecord, KAFKA_BROKERS, needKafka } from '../../../test/support/kafka';

const ROOT = join(__dirname, '../../..');

describe('influx-writer Kafka-direct process: metrics and probes', function () {
  this.timeout(60_000);
  const run = `kp${Date.now().toString(36)}`;
  const topic = `knative-broker-kiot-${run}`;
  let child: ChildProcess | undefined;
  let logs = '';

  before(async function () {
    await needVictoriaMetrics(this);
    await needKafka(this);
  });
  after(() => child?.kill('SIGKILL'));

  const get = async (url: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  };
  /** The value of one series in Prometheus text, undefined when it is not there. */
  const sample = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('serves liveness at once, readiness once it joined its group, writes what was in the topic before its group first joined, and counts points, outcomes and lag', async () => {
    const kafka = new Kafka({ clientId: 'kiot-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const t0 = Date.parse('2026-06-01T00:00:00Z');
    const good = Array.from({ length: 60 }, (_, i) => brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${run}`, subject: 'temperature', application: 'demo', device: `${run}-d${i % 3}`, partitionkey: `demo/${run}-d${i % 3}`, datacontenttype: 'application/json', data: { records: [{ time: new Date(t0 + i * 1000).toISOString(), values: { temperature: i } }] } })));
    const other = brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/x', application: 'demo', device: 'x', data: { t: 1 } }));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [...good, other, { key: null, value: 'not a cloudevent', headers: {} }] });
    await producer.disconnect();

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [join(ROOT, 'functions/influx-writer/build/consumer.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(','), KAFKA_TOPICS: topic, KAFKA_GROUP_ID: `g-${run}`, KAFKA_DEAD_LETTER_TOPIC: `${topic}-dead`, INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot', CONSUMER_METRICS_PORT: String(port) },
    });
    child.stdout!.on('data', (d) => (logs += d));
    child.stderr!.on('data', (d) => (logs += d));

    assert.equal((await eventually(() => get(`${base}/healthz`).catch(() => undefined), 10_000)).status, 200, logs);
    assert.equal((await eventually(async () => ((await get(`${base}/readyz`)).status === 200 ? true : undefined), 20_000)), true, logs);
    const text = await eventually(async () => {
      const t = (await get(`${base}/metrics`)).text;
      return sample(t, 'kiot_writer_points_total') === 60 && sample(t, 'kiot_writer_records_total{outcome="dead_lettered"}') === 1 ? t : undefined;
    }, 20_000);
    assert.equal(sample(text, 'kiot_writer_records_total{outcome="written"}'), 60, text);
    assert.equal(sample(text, 'kiot_writer_records_total{outcome="skipped"}'), 1, text);
    for (const partition of ['0', '1']) assert.equal(sample(text, `kiot_writer_consumer_lag{topic="${topic}",partition="${partition}"}`), 0, text);
    assert.ok(Math.abs(sample(text, 'kiot_writer_last_batch_timestamp_seconds')! - Date.now() / 1000) < 30, text);
    assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, logs);
  });
});
