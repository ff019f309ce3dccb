/** `kiot tail` and `kiot replay` against a real Kafka. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CloudEvent, Kafka as CE } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { inRange, replay } from '../src/topics';
import { selfSigned } from '../../../test/support/certificates';
import { authSecretDir, brokerRecord, KAFKA_BROKERS, KAFKA_SASL_SSL, KAFKA_SASL_USER, kafkaTlsFile, needKafka, needKafkaJava, produceWithJava } from '../../../test/support/kafka';
import { startSink, type TestSink } from '../../../test/support/sink';

const ROOT = join(__dirname, '../../..');
const BROKER = KAFKA_BROKERS[0]!;
const topic = `kiot-cli-${Date.now()}`;

// stdout carries the results only; kafkajs logs (JSON lines too) go to stderr and stay apart.
function cli(args: string[], until?: (out: string) => boolean, brokers = BROKER): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'packages/cli/build/kiot.js'), ...args, '--brokers', brokers]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (until?.(out)) child.kill('SIGINT');
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('kiot tail / replay', function () {
  this.timeout(60_000);
  let sink: TestSink;

  before(async function () {
    await needKafka(this);
    const kafka = new Kafka({ clientId: 'kiot-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 5 }, (_, i) => {
      const m = CE.binary(new CloudEvent({ id: `e${i}`, type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/d1', application: 'demo', device: 'd1', partitionkey: 'demo/d1', datacontenttype: 'application/json', data: { i } }));
      return { key: 'demo/d1', value: JSON.stringify(m.value), headers: Object.fromEntries(Object.entries(m.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])) };
    });
    await producer.send({ topic, messages });
    await producer.disconnect();
    sink = await startSink();
  });
  after(() => sink?.close());

  it('knows which records are in a time or offset range', () => {
    assert.equal(inRange({ offset: '5', timestamp: '1000' }, { fromOffset: 6n }), 'before');
    assert.equal(inRange({ offset: '5', timestamp: '1000' }, { fromOffset: 5n, untilOffset: 5n }), 'in');
    assert.equal(inRange({ offset: '5', timestamp: '1000' }, { untilTime: 999 }), 'after');
  });

  it('tail prints every event of a topic as JSON lines', async () => {
    const r = await cli(['tail', topic, '--from-beginning'], (out) => out.split('\n').filter(Boolean).length >= 5);
    const lines = r.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { offset: string; event: { id: string; data: { i: number } } });
    assert.ok(lines.every((l) => l.event), `${r.out}\n${r.err}`);
    assert.deepEqual(lines.map((l) => l.event.id), ['e0', 'e1', 'e2', 'e3', 'e4']);
    assert.deepEqual(lines.map((l) => l.event.data.i), [0, 1, 2, 3, 4]);
  });

  it('tail prints the events of a topic whose batches a Java producer compressed with LZ4 (kafkajs alone reads gzip only)', async function () {
    needKafkaJava(this);
    const lz4 = `${topic}-lz4`;
    const kafka = new Kafka({ clientId: 'kiot-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: lz4, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    produceWithJava(lz4, 'lz4', Array.from({ length: 3 }, (_, i) => brokerRecord(new CloudEvent({ id: `z${i}`, type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/d1', application: 'demo', device: 'd1', datacontenttype: 'application/json', data: { i } }))));
    const r = await cli(['tail', lz4, '--from-beginning'], (out) => out.split('\n').filter(Boolean).length >= 3);
    assert.deepEqual(r.out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event?: { id: string } }).event?.id), ['z0', 'z1', 'z2'], r.err);
  });

  it('tail reads over SASL_SSL with the Kafka auth Secret mounted as a directory (--auth-dir)', async function () {
    await needKafka(this, KAFKA_SASL_SSL);
    const dir = authSecretDir({ protocol: 'SASL_SSL', 'sasl.mechanism': 'PLAIN', ...KAFKA_SASL_USER, 'ca.crt': kafkaTlsFile('ca.crt') });
    const r = await cli(['tail', topic, '--from-beginning', '--auth-dir', dir], (out) => out.split('\n').filter(Boolean).length >= 5, KAFKA_SASL_SSL);
    assert.deepEqual(r.out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: { id: string } }).event.id), ['e0', 'e1', 'e2', 'e3', 'e4'], r.err);
    const missing = await cli(['tail', topic, '--auth-dir', `${dir}-missing`], undefined, KAFKA_SASL_SSL);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /kiot: Kafka auth: .*-missing is not a directory/);
  });

  it('replay re-publishes an offset range to a broker URL in binary mode', async () => {
    const r = await cli(['replay', topic, '--to', sink.url, '--from-offset', '1', '--until-offset', '3']);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.deepEqual(JSON.parse(r.out.trim().split('\n').at(-1)!), { replayed: 3, failed: 0, skipped: 2 });
    assert.deepEqual(sink.received.map((x) => x.headers['ce-id']), ['e1', 'e2', 'e3']);
    assert.equal(sink.received[0]!.headers['ce-type'], 'io.kiot.telemetry.raw.v1');
    assert.equal(sink.received[0]!.body.toString(), '{"i":1}');
  });

  it('tail and replay refuse a topic that does not exist, with its name, and create none', async () => {
    const missing = `${topic}-missing`;
    const tailed = await cli(['tail', missing]);
    assert.equal(tailed.code, 1, tailed.err);
    assert.match(tailed.err, new RegExp(`kiot: the topic ${missing} does not exist on ${BROKER}`));
    const replayed = await cli(['replay', topic, '--to-topic', missing]);
    assert.equal(replayed.code, 1, replayed.err);
    assert.match(replayed.err, new RegExp(`kiot: the topic ${missing} does not exist on ${BROKER}`));
    // The source named as such too, not as kafkajs's "does not host this topic-partition" after its retries.
    const fromMissing = await cli(['replay', missing, '--to', 'http://127.0.0.1:9/']);
    assert.equal(fromMissing.code, 1, fromMissing.err);
    assert.match(fromMissing.err, new RegExp(`kiot: the topic ${missing} does not exist on ${BROKER}`));
    const both = await cli(['replay', missing, '--to-topic', `${missing}-2`]);
    assert.match(both.err, new RegExp(`kiot: the topics ${missing} and ${missing}-2 do not exist`));
    const admin = new Kafka({ clientId: 'kiot-test', brokers: [BROKER], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      assert.ok(!(await admin.listTopics()).includes(missing), 'the mistyped topic was created');
    } finally {
      await admin.disconnect();
    }
  });

  it('replay to an https broker ingress trusts the CA given with --ca-file (eventing TLS), and fails without it', async () => {
    const certificate = selfSigned('broker-ingress');
    const tls = await startSink(certificate);
    try {
      const trusted = await cli(['replay', topic, '--to', tls.url, '--ca-file', certificate.certFile, '--until-offset', '1']);
      assert.equal(trusted.code, 0, trusted.err);
      assert.deepEqual(tls.received.map((x) => x.headers['ce-id']), ['e0', 'e1']);
      const untrusted = await cli(['replay', topic, '--to', tls.url, '--until-offset', '1']);
      assert.equal(untrusted.code, 1);
      assert.equal((JSON.parse(untrusted.out.trim()) as { failed: number }).failed, 2);
    } finally {
      await tls.close();
    }
  });

  it('replay hands on the original events of dead letters, without the marks of the failed delivery, to a broker URL and to a topic', async () => {
    const kafka = new Kafka({ clientId: 'kiot-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
    const [dead, again] = [`${topic}-dead`, `${topic}-again`];
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: dead, numPartitions: 1 }, { topic: again, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const failure = { knativeerrordest: 'http://influx-writer.kiot.svc', knativeerrorcode: '422', knativeerrordata: 'eyJlcnJvciI6IlVOUFJPQ0VTU0FCTEUifQ==', reason: 'field type conflict' };
    const ev = { specversion: '1.0', id: 'v1', type: 'io.kiot.telemetry.validated.v1', source: 'kiot://demo/d1', application: 'demo', device: 'd1', datacontenttype: 'application/json' };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: dead, messages: [
      // Binary mode, as the Kafka-direct writer keeps a poison record (its reason in kiot_* headers), here with the Broker's marks too.
      { key: 'demo/d1', value: '{"records":[]}', headers: { ...Object.fromEntries(Object.entries({ ...ev, ...failure }).filter(([k]) => k !== 'datacontenttype').map(([k, v]) => [`ce_${k}`, v])), 'content-type': 'application/json', kiot_reason: 'influx rejected', kiot_source: 't/0/7' } },
      // Structured mode, as the KafkaSink for dead letters writes them.
      { key: 'demo/d1', value: JSON.stringify({ ...ev, id: 'v2', ...failure, data: { records: [] } }), headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' } },
    ] });
    await producer.disconnect();
    sink.received.length = 0;
    assert.deepEqual(await replay({ brokers: [BROKER] }, dead, {}, { url: sink.url }, 500), { replayed: 2, failed: 0, skipped: 0 });
    for (const got of sink.received) {
      assert.deepEqual(Object.keys(got.headers).filter((k) => /knativeerror|kiot_|reason/.test(k)), [], JSON.stringify(got.headers));
      assert.deepEqual([got.headers['ce-type'], got.headers['ce-device'], got.body.toString()], ['io.kiot.telemetry.validated.v1', 'd1', '{"records":[]}']);
    }
    assert.deepEqual(sink.received.map((x) => x.headers['ce-id']), ['v1', 'v2']);
    assert.deepEqual(await replay({ brokers: [BROKER] }, dead, {}, { topic: again }, 500), { replayed: 2, failed: 0, skipped: 0 });
    const copies: { headers: string[]; value: Record<string, unknown> | string }[] = [];
    const c = kafka.consumer({ groupId: `again-${Date.now()}` });
    await c.connect();
    await c.subscribe({ topic: again, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => {
      const value = message.value!.toString();
      copies.push({ headers: Object.keys(message.headers ?? {}), value: value.startsWith('{"specversion') ? JSON.parse(value) as Record<string, unknown> : value });
    } });
    for (let i = 0; i < 100 && copies.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await c.disconnect();
    assert.deepEqual(copies[0]!.headers.sort(), ['ce_application', 'ce_device', 'ce_id', 'ce_source', 'ce_specversion', 'ce_type', 'content-type']);
    assert.equal(copies[0]!.value, '{"records":[]}', 'a binary record keeps its value byte for byte');
    assert.deepEqual(copies[1]!.value, { ...ev, id: 'v2', data: { records: [] } }, 'a structured record keeps every other attribute and its data');
  });

  it('tail and replay carry a dead letter whose data nests thousands deep (the converter\'s 422 for it); replay into the topic itself stops at the end it had', async () => {
    const kafka = new Kafka({ clientId: 'kiot-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
    const deepTopic = `${topic}-deep`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: deepTopic, numPartitions: 1 }], waitForLeaders: true });
    // JSON.parse takes it; JSON.stringify overflows the stack on it (core nesting.ts).
    const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`;
    const ce = (id: string) => ({ ce_specversion: '1.0', ce_id: id, ce_type: 'io.kiot.telemetry.raw.v1', ce_source: 'kiot://demo/d1', ce_application: 'demo', ce_device: 'd1', 'content-type': 'application/json' });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: deepTopic, messages: [
      { key: 'demo/d1', value: deep, headers: { ...ce('deep'), ce_knativeerrorcode: '422', ce_knativeerrordest: 'http://converter', ce_reason: 'nested too deep' } },
      { key: 'demo/d1', value: '{ "t" : 1 }', headers: ce('spaced') },
      // Structured, with marks: they cannot be taken out without writing the data out again.
      { key: 'demo/d1', value: `{"specversion":"1.0","id":"deep-structured","type":"io.kiot.telemetry.raw.v1","source":"kiot://demo/d1","reason":"nested too deep","data":${deep}}`, headers: { 'content-type': 'application/cloudevents+json' } },
    ] });
    await producer.disconnect();

    const tailed = await cli(['tail', deepTopic, '--from-beginning'], (out) => out.split('\n').filter(Boolean).length >= 3);
    const lines = tailed.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { reason?: string; event: { id: string; data: unknown } });
    const named = { truncated: true, reason: 'data nests deeper than 64 levels of objects and arrays' };
    assert.deepEqual(lines.map((l) => [l.event.id, l.event.data]), [['deep', named], ['spaced', { t: 1 }], ['deep-structured', named]], tailed.err);

    sink.received.length = 0;
    assert.deepEqual(await replay({ brokers: [BROKER] }, deepTopic, {}, { url: sink.url }, 500), { replayed: 2, failed: 1, skipped: 0 });
    assert.deepEqual(sink.received.map((x) => [x.headers['ce-id'], x.body.toString()]), [['deep', deep], ['spaced', '{ "t" : 1 }']], 'binary-mode values byte for byte');
    assert.equal(sink.received[0]!.headers['ce-reason'], undefined, 'without the marks');

    assert.deepEqual(await replay({ brokers: [BROKER] }, deepTopic, {}, { topic: deepTopic }, 500), { replayed: 2, failed: 1, skipped: 0 });
    await admin.connect();
    try {
      assert.equal((await admin.fetchTopicOffsets(deepTopic))[0]!.high, '5', 'the 3 records and 2 copies: none of the copies copied again');
    } finally {
      await admin.disconnect();
    }
  });

  it('replay waits for a slow target: a record being handed on is not a quiet spell', async () => {
    sink.received.length = 0;
    sink.respond = () => ({ status: 202, delayMs: 1200 });
    try {
      // Each post takes longer than the quiet spell that ends a replay.
      const counts = await replay({ brokers: [BROKER] }, topic, { fromOffset: 1n, untilOffset: 3n }, { url: sink.url }, 500);
      assert.deepEqual(counts, { replayed: 3, failed: 0, skipped: 2 });
      assert.deepEqual(sink.received.map((x) => x.headers['ce-id']), ['e1', 'e2', 'e3']);
    } finally {
      sink.respond = () => ({ status: 202 });
    }
  });
});
