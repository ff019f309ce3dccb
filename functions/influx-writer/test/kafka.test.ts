/**
 * Kafka-direct mode against a real Kafka (KRaft, official jars) and VictoriaMetrics: records
 * produced exactly as the Knative Kafka broker produces them (binary mode, ce_* headers,
 * partitionkey as key), offsets committed only after the write, poison to the dead-letter topic.
 */
import { strict as assert } from 'node:assert';
import { CloudEvent } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { parseConfig } from '../src/config';
import { createInfluxWriter, WriteFailure, type WriteBody } from '../src/influx';
import { runConsumer } from '../src/kafka/consumer';
import { processBatch } from '../src/kafka/pipeline';
import { eventually, exportSeries, needVictoriaMetrics, VM_URL } from '../../../test/support/services';
import { brokerRecord, KAFKA_BROKERS, needKafka, needKafkaJava, produceWithJava } from '../../../test/support/kafka';

const BROKERS = KAFKA_BROKERS;
const run = `k${Date.now()}`;
const kafka = new Kafka({ clientId: 'kiot-test', brokers: BROKERS, logLevel: logLevel.NOTHING });

const validated = (device: string, t: number, v: number) => new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${device}`, subject: 'temperature', application: 'demo', device, partitionkey: `demo/${device}`, datacontenttype: 'application/json', data: { records: [{ time: new Date(t).toISOString(), values: { temperature: v } }] } });

describe('influx-writer Kafka-direct mode', function () {
  this.timeout(90_000);
  const topic = `knative-broker-kiot-${run}`;
  const dlq = `dead-${run}`;
  const writer = parseConfig({ INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot' });
  const admin = kafka.admin();
  const producer = kafka.producer();

  before(async function () {
    await needVictoriaMetrics(this);
    await needKafka(this);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }, { topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  });

  const target = (group: string) => ({ brokers: BROKERS, clientId: 'kiot-test', groupId: group, topics: [topic], deadLetterTopic: dlq, fromBeginning: true, concurrency: 3 });

  it('writes every validated record, skips other types (their data unread), and sends poison to the dead-letter topic with the reason', async () => {
    const t0 = Date.parse('2026-04-01T00:00:00Z');
    const good = Array.from({ length: 300 }, (_, i) => brokerRecord(validated(`${run}-d${i % 5}`, t0 + i * 1000, i)));
    const other = brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/x', application: 'demo', device: 'x', data: { t: 1 } }));
    // A raw event whose payload is declared JSON and is not: another stage's business, skipped like any other type.
    const otherGarbled = { ...other, value: '{not json' };
    const poison = [
      { key: null, value: 'not a cloudevent', headers: {} },
      brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: 'kiot://demo/y', application: 'demo', device: 'y', data: { temperature: 1 } })),
    ];
    await producer.send({ topic, messages: [...good.slice(0, 150), other, otherGarbled, ...poison, ...good.slice(150)] });
    const consumer = await runConsumer(target(`g1-${run}`), (records) => processBatch(records, createInfluxWriter({ ...writer, precision: 'ms' }), writer.mapping, 5000), () => undefined);
    try {
      const series = await eventually(async () => {
        const s = await exportSeries(`{__name__="temperature_temperature",device=~"${run}-d.*"}`);
        return s.reduce((n, x) => n + x.values.length, 0) === 300 ? s : undefined;
      }, 30_000);
      assert.equal(series.length, 5);
      // Offsets are committed once a batch's dead letters were produced: from then on the dead-letter topic holds all of them.
      const committed = async (): Promise<number> => (await admin.fetchOffsets({ groupId: `g1-${run}`, topics: [topic] }))[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
      await eventually(async () => ((await committed()) === 304 ? true : undefined), 20_000);
      const dead: { reason: string; source: string; value: string }[] = [];
      const c = kafka.consumer({ groupId: `dlq-${run}` });
      await c.connect();
      await c.subscribe({ topic: dlq, fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => { dead.push({ reason: message.headers?.['kiot_reason']?.toString() ?? '', source: message.headers?.['kiot_source']?.toString() ?? '', value: message.value?.toString() ?? '' }); } });
      await eventually(async () => (dead.length >= 2 ? true : undefined), 20_000);
      await c.disconnect();
      assert.equal(dead.length, 2);
      assert.match(dead.find((d) => d.value === 'not a cloudevent')!.reason, /not a CloudEvent|invalid CloudEvent/);
      assert.ok(dead.some((d) => /not normalized/.test(d.reason)));
      // kiot_source names the very record each dead letter came from: topic/partition/offset.
      const at = new Map<string, string>();
      const all = kafka.consumer({ groupId: `all-${run}` });
      await all.connect();
      await all.subscribe({ topic, fromBeginning: true });
      await all.run({ eachMessage: async ({ partition, message }) => { at.set(`${topic}/${partition}/${message.offset}`, message.value?.toString() ?? ''); } });
      await eventually(async () => (at.size >= 304 ? true : undefined), 20_000);
      await all.disconnect();
      for (const d of dead) assert.equal(at.get(d.source), d.value, `kiot_source ${d.source}`);
      assert.equal(await committed(), 304, 'every record, poison and skipped ones included, is committed once written');
    } finally {
      await consumer.stop();
    }
  });

  it('reads batches a Java producer compressed with gzip, Snappy, LZ4 or ZSTD, where kafkajs alone crashed on all but gzip', async function () {
    needKafkaJava(this);
    const codecs = ['gzip', 'snappy', 'lz4', 'zstd'];
    const topics = codecs.map((c) => `${topic}-${c}`);
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t, numPartitions: 1 })), waitForLeaders: true });
    const t0 = Date.parse('2026-04-03T00:00:00Z');
    codecs.forEach((codec, i) => {
      // Enough alike records that each codec's batch really is compressed, and Snappy's xerial framing holds several blocks.
      const records = Array.from({ length: 400 }, (_, n) => brokerRecord(validated(`${run}-${codec}`, t0 + n * 1000, i * 1000 + n)));
      produceWithJava(topics[i]!, codec, records.map((r) => ({ headers: r.headers, value: r.value })));
    });
    const consumer = await runConsumer({ ...target(`g-codecs-${run}`), topics }, (records) => processBatch(records, createInfluxWriter({ ...writer, precision: 'ms' }), writer.mapping, 5000), () => undefined);
    try {
      for (const [i, codec] of codecs.entries()) {
        const series = await eventually(async () => {
          const s = await exportSeries(`{__name__="temperature_temperature",device="${run}-${codec}"}`);
          return s[0]?.values.length === 400 ? s[0] : undefined;
        }, 30_000);
        assert.deepEqual([series.values[0], series.values[399]], [i * 1000, i * 1000 + 399], codec);
      }
    } finally {
      await consumer.stop();
    }
  });

  it('creates its dead-letter topic at start, before any poison record needs it (clusters often turn auto-creation off)', async () => {
    const fresh = `dead-fresh-${run}`;
    assert.ok(!(await admin.listTopics()).includes(fresh));
    const running = await runConsumer({ ...target(`g-fresh-${run}`), deadLetterTopic: fresh }, async () => ({ written: 0, skipped: 0, dead: [] }), () => undefined);
    try {
      assert.ok((await admin.listTopics()).includes(fresh));
    } finally {
      await running.stop();
    }
    // A second writer (another replica, a restart) finds it there.
    const again = await runConsumer({ ...target(`g-fresh-${run}`), deadLetterTopic: fresh }, async () => ({ written: 0, skipped: 0, dead: [] }), () => undefined);
    await again.stop();
  });

  it('says when kafkajs gives up for good (here: the broker refuses the session timeout), so the process can exit', async () => {
    const running = await runConsumer({ ...target(`g-refused-${run}`), sessionTimeoutMs: 1000 }, async () => ({ written: 0, skipped: 0, dead: [] }), () => undefined);
    try {
      const err = await Promise.race([running.failed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000))]);
      assert.match(err?.message ?? 'still running after 20 s', /session timeout/i);
    } finally {
      await running.stop().catch(() => undefined);
    }
  });

  it('commits nothing when the write fails, and a restart reads the batch again (at-least-once)', async () => {
    const t0 = Date.parse('2026-04-02T00:00:00Z');
    const group = `g2-${run}`;
    const device = `${run}-crash`;
    await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => brokerRecord(validated(device, t0 + i * 1000, i))) });
    // First run: the write reaches the TSDB but the process "dies" before committing.
    const real = createInfluxWriter({ ...writer, precision: 'ms' });
    let crashed = 0;
    const crashing: WriteBody = async (body) => {
      await real(body);
      if (body.includes(device)) {
        crashed++;
        throw new Error('killed between write and commit');
      }
    };
    const first = await runConsumer(target(group), (records) => processBatch(records, crashing, writer.mapping, 5000), () => undefined);
    await eventually(async () => (crashed > 0 ? true : undefined), 30_000);
    await first.stop().catch(() => undefined);
    const afterCrash = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.ok(afterCrash[0]!.partitions.some((p) => p.offset === '-1'), 'the partition whose write "crashed" was never committed');
    // Second run: reads again from the last commit and writes every reading of the uncommitted batch again. The
    // first run's write is already in the TSDB, so only what the second run writes shows that it read them again.
    const rewritten = new Set<string>();
    const counting: WriteBody = async (body) => {
      await real(body);
      for (const line of body.toString().split('\n')) if (line.includes(`device=${device}`)) rewritten.add(line);
    };
    const second = await runConsumer(target(group), (records) => processBatch(records, counting, writer.mapping, 5000), () => undefined);
    try {
      await eventually(async () => (rewritten.size >= 20 ? true : undefined), 30_000);
      assert.equal(rewritten.size, 20, 'each of the 20 readings written again');
      // Written twice (InfluxDB keeps one point per series and time; VictoriaMetrics keeps both samples): none lost.
      const [series] = await exportSeries(`{__name__="temperature_temperature",device="${device}"}`);
      const byTime = new Map(series!.timestamps.map((t, i) => [t, series!.values[i]]));
      assert.deepEqual([...byTime.entries()].sort(([a], [b]) => a - b), Array.from({ length: 20 }, (_, i) => [t0 + i * 1000, i]), 'every reading stored at its time, with its value');
    } finally {
      await second.stop();
    }
  });

  it('waits out the Retry-After InfluxDB gave (a rate limit) before reading the batch again, and then writes it', async () => {
    const t0 = Date.parse('2026-04-04T00:00:00Z');
    const device = `${run}-limited`;
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ ...brokerRecord(validated(device, t0 + i * 1000, i)), partition: 0 })) });
    const real = createInfluxWriter({ ...writer, precision: 'ms' });
    const attempts: number[] = [];
    const limited: WriteBody = async (body) => {
      if (body.includes(device)) {
        attempts.push(Date.now());
        if (attempts.length === 1) throw new WriteFailure('transient', 429, 'InfluxDB answered 429: rate limited', 3);
      }
      await real(body);
    };
    const consumer = await runConsumer(target(`g4-${run}`), (records) => processBatch(records, limited, writer.mapping, 5000), () => undefined);
    try {
      await eventually(async () => ((await exportSeries(`{__name__="temperature_temperature",device="${device}"}`))[0]?.values.length === 5 ? true : undefined), 30_000);
      assert.equal(attempts.length, 2);
      // kafkajs on its own retries after about 300 ms.
      assert.ok(attempts[1]! - attempts[0]! >= 2900, `read again ${attempts[1]! - attempts[0]!} ms after the 429`);
    } finally {
      await consumer.stop();
    }
  });

  it('keeps its group membership through a batch that outlasts the session timeout (a slow InfluxDB), and commits it once', async () => {
    const slowTopic = `${topic}-slow`;
    await admin.createTopics({ topics: [{ topic: slowTopic, numPartitions: 1 }], waitForLeaders: true });
    const t0 = Date.parse('2026-04-05T00:00:00Z');
    const device = `${run}-slow`;
    await producer.send({ topic: slowTopic, messages: Array.from({ length: 40 }, (_, i) => brokerRecord(validated(device, t0 + i * 1000, i))) });
    const real = createInfluxWriter({ ...writer, precision: 'ms' });
    let linesWritten = 0;
    // 8 chunks of 5 lines at 1 s each: 8 s in one batch, past the 6 s session timeout.
    const slow: WriteBody = async (body) => {
      await new Promise((r) => setTimeout(r, 1000));
      await real(body);
      linesWritten += body.toString().split('\n').filter((l) => l.includes(device)).length;
    };
    const group = `g-slow-${run}`;
    const consumer = await runConsumer({ ...target(group), topics: [slowTopic], sessionTimeoutMs: 6000 }, (records, heartbeat) => processBatch(records, slow, writer.mapping, 5, undefined, heartbeat), () => undefined);
    try {
      const committed = async (): Promise<number> => Number((await admin.fetchOffsets({ groupId: group, topics: [slowTopic] }))[0]!.partitions[0]!.offset);
      await eventually(async () => ((await committed()) === 40 ? true : undefined), 30_000);
      assert.equal(linesWritten, 40, 'the batch was written once: the member kept its partition and its commit was taken');
    } finally {
      await consumer.stop();
    }
  });

  it('shares the partitions between replicas in one group, and the one left takes over when another stops', async () => {
    const t0 = Date.parse('2026-04-03T00:00:00Z');
    const group = `g3-${run}`;
    const real = createInfluxWriter({ ...writer, precision: 'ms' });
    const assigned = new Map<string, number[]>();
    const wrote = new Map<string, number>();
    // The group reads the topic from its beginning: only this test's readings are counted.
    const replica = (name: string) => runConsumer({ ...target(group), sessionTimeoutMs: 6000 }, (records) => processBatch(records, async (body) => {
      await real(body);
      wrote.set(name, (wrote.get(name) ?? 0) + body.toString().split('\n').filter((l) => l.includes(`${run}-rep`)).length);
    }, writer.mapping, 5000), (line) => {
      if (line['msg'] === 'joined group') assigned.set(name, ((line['partitions'] as Record<string, number[]>)[topic] ?? []));
    });
    const a = await replica('a');
    const b = await replica('b');
    let bStopped = false;
    try {
      // Both in the group, the topic's 3 partitions split between them.
      await eventually(async () => (assigned.get('a')?.length && assigned.get('b')?.length && assigned.get('a')!.length + assigned.get('b')!.length === 3 ? true : undefined), 30_000);
      // Round the partitions, not by key: 12 keys could all hash to one replica's partitions (about 1 run in 130).
      const produceFrom = (from: number, count: number) => producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ ...brokerRecord(validated(`${run}-rep${(from + i) % 12}`, t0 + (from + i) * 1000, from + i)), partition: (from + i) % 3 })) });
      const stored = (want: number) => eventually(async () => {
        const series = await exportSeries(`{__name__="temperature_temperature",device=~"${run}-rep.*"}`);
        return series.reduce((n, x) => n + x.values.length, 0) >= want ? series : undefined;
      }, 30_000);
      await produceFrom(0, 240);
      await stored(240);
      assert.ok((wrote.get('a') ?? 0) > 0 && (wrote.get('b') ?? 0) > 0, `both replicas wrote: ${JSON.stringify([...wrote])}`);
      // One replica goes (a scale-down, a rolling update): its partitions move to the other, which writes what follows.
      await b.stop();
      bStopped = true;
      await eventually(async () => (assigned.get('a')?.length === 3 ? true : undefined), 30_000);
      const before = wrote.get('a') ?? 0;
      await produceFrom(240, 120);
      const series = await stored(360);
      assert.equal(series.reduce((n, x) => n + x.values.length, 0), 360, 'every reading stored once');
      assert.ok((wrote.get('a') ?? 0) - before >= 120, 'the replica left wrote everything produced after the other stopped');
    } finally {
      await a.stop();
      if (!bStopped) await b.stop();
    }
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.ok(offsets[0]!.partitions.every((p) => Number(p.offset) >= 0), 'every partition committed');
  });
});
