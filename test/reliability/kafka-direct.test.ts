/**
 * 1e. The Kafka-direct writer process is SIGKILLed between a write and its commit: a proxy in front
 * of the TSDB lets the write through, and when the TSDB has answered it kills the consumer before
 * passing the answer on. A new process must write every record (identical duplicates allowed).
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CloudEvent } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../support/runtime';
import { eventually, exportSeries, needVictoriaMetrics, VM_URL } from '../support/services';
import { brokerRecord, KAFKA_BROKERS, needKafka } from '../support/kafka';
import { record } from './report';

const ROOT = join(__dirname, '../..');
const N = 3000;

describe('reliability 1e: Kafka-direct consumer killed between a write and its commit', function () {
  this.timeout(180_000);
  const run = `rel${Date.now().toString(36)}`;
  const topic = `kiot-rel-${run}`;
  const group = `kiot-rel-${run}`;
  const device = (i: number) => `${run}-d${i % 6}`;
  const kafka = new Kafka({ clientId: 'kiot-rel', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  let proxy: Server;
  let proxyUrl = '';
  /** Armed: the next write with our records kills `victim` before its answer is passed on. */
  let victim: ChildProcess | undefined;
  let killedWrite = 0;

  before(async function () {
    await needVictoriaMetrics(this);
    await needKafka(this);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const port = await freePort();
    proxyUrl = `http://127.0.0.1:${port}`;
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const up = request(`${VM_URL}${req.url}`, { method: req.method, headers: req.headers }, (vm) => {
          const answer: Buffer[] = [];
          vm.on('data', (c: Buffer) => answer.push(c));
          vm.on('end', () => {
            const v = victim;
            if (v && vm.statusCode === 204 && v.exitCode === null) {
              // The TSDB has the points; the writer has not heard so, so it has not committed.
              victim = undefined;
              const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString();
              killedWrite = text.split('\n').filter(Boolean).length;
              v.once('exit', () => res.destroy());
              v.kill('SIGKILL');
              return;
            }
            res.writeHead(vm.statusCode ?? 502, vm.headers);
            res.end(Buffer.concat(answer));
          });
        });
        up.on('error', () => { res.writeHead(502); res.end(); });
        up.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
  });
  after(() => proxy?.close());

  let logs = '';
  const consumer = (): ChildProcess => {
    const child = spawn(process.execPath, [join(ROOT, 'functions/influx-writer/build/consumer.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(','), KAFKA_TOPICS: topic, KAFKA_GROUP_ID: group, KAFKA_FROM_BEGINNING: 'true', KAFKA_DEAD_LETTER_TOPIC: `${topic}-dead`, KAFKA_SESSION_TIMEOUT_MS: '6000', INFLUX_URL: proxyUrl, INFLUX_BUCKET: 'kiot', CONSUMER_METRICS_PORT: '0' },
    });
    // Kept for the failure message: why a consumer stopped, if not by the kill.
    child.stdout!.on('data', (d) => (logs += d));
    child.stderr!.on('data', (d) => (logs += d));
    return child;
  };

  it(`writes all ${N} records after the kill, from the last commit on`, async () => {
    const t0 = Date.parse('2026-05-01T00:00:00Z');
    const producer = kafka.producer();
    await producer.connect();
    const records = Array.from({ length: N }, (_, i) => brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${device(i)}`, subject: 'temperature', application: 'demo', device: device(i), partitionkey: `demo/${device(i)}`, datacontenttype: 'application/json', data: { records: [{ time: new Date(t0 + i * 1000).toISOString(), values: { temperature: i } }] } })));
    // In sends of 500: one send is one produce request per partition, and 3000 records on a
    // partition the keys happen to favour pass the broker's 1 MB message.max.bytes.
    for (let i = 0; i < N; i += 500) await producer.send({ topic, messages: records.slice(i, i + 500) });
    await producer.disconnect();

    const first = consumer();
    victim = first;
    await eventually(async () => (first.exitCode !== null || first.signalCode !== null ? true : undefined), 60_000);
    assert.equal(first.signalCode, 'SIGKILL', `the first consumer was killed by the proxy after a write (exit ${first.exitCode}):\n${logs.slice(-2000)}`);
    const admin = kafka.admin();
    await admin.connect();
    const committedAtKill = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    assert.ok(committedAtKill < N, `the killed write was not committed (${committedAtKill})`);

    const started = Date.now();
    const second = consumer();
    try {
      const stored = await eventually(async () => {
        const s = await exportSeries(`{__name__="temperature_temperature",device=~"${run}-d.*"}`);
        const values = s.flatMap((x) => x.values);
        return new Set(values).size === N ? values : undefined;
      }, 90_000, 500);
      const committed = await eventually(async () => {
        const c = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
        return c === N ? c : undefined;
      }, 30_000, 500);
      const unique = new Set(stored);
      record('kafka', ['records', 'points in the write the kill interrupted', 'committed at the kill', 'stored after restart', 'duplicates', 'lost', 'committed at the end', 'restart to all stored'],
        [N, killedWrite, committedAtKill, unique.size, stored.length - unique.size, N - unique.size, committed, `${((Date.now() - started) / 1000).toFixed(1)} s`]);
      assert.deepEqual([...unique].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));
    } finally {
      second.kill('SIGTERM');
      await admin.disconnect();
    }
  });
});
