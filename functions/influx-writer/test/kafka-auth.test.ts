/**
 * Kafka-direct against a Kafka that wants TLS and SASL, configured as an operator does: the
 * Knative Kafka auth Secret mounted as a directory (KAFKA_AUTH_DIR). Real broker listeners
 * (scripts/services/start), real points read back from VictoriaMetrics.
 */
import { strict as assert } from 'node:assert';
import { CloudEvent } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { ConfigError } from '@kiot/core';
import { createInfluxWriter } from '../src/influx';
import { parseConsumerConfig } from '../src/kafka/config';
import { runConsumer } from '../src/kafka/consumer';
import { processBatch } from '../src/kafka/pipeline';
import { eventually, exportSeries, needVictoriaMetrics, VM_URL } from '../../../test/support/services';
import { authSecretDir, brokerRecord, KAFKA_BROKERS, KAFKA_MTLS, KAFKA_SASL_SSL, KAFKA_SASL_USER, kafkaTlsFile, needKafka } from '../../../test/support/kafka';

const run = `ka${Date.now()}`;
const topic = `knative-broker-kiot-${run}`;

const validated = (device: string, t: number, v: number) => new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${device}`, subject: 'temperature', application: 'demo', device, partitionkey: `demo/${device}`, datacontenttype: 'application/json', data: { records: [{ time: new Date(t).toISOString(), values: { temperature: v } }] } });

/** The writer's config as the Deployment gives it: brokers, topic, and the mounted Secret. */
const config = (brokers: string, secret: Record<string, string>, group: string, topics = topic) => parseConsumerConfig({
  INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot', KAFKA_BROKERS: brokers, KAFKA_TOPICS: topics, KAFKA_GROUP_ID: group,
  KAFKA_FROM_BEGINNING: 'true', KAFKA_DEAD_LETTER_TOPIC: `dead-${run}`, KAFKA_AUTH_DIR: authSecretDir(secret),
});

describe('influx-writer Kafka-direct with TLS and SASL (KAFKA_AUTH_DIR)', function () {
  this.timeout(120_000);

  before(async function () {
    await needVictoriaMetrics(this);
    await needKafka(this, KAFKA_SASL_SSL);
    await needKafka(this, KAFKA_MTLS);
  });

  /**
   * 40 points in a topic of their own, produced over plaintext as the broker's own producer would;
   * the consumer reads them over its listener until all 40 are in VictoriaMetrics.
   */
  async function consumeAll(tag: string, brokers: string, secret: Record<string, string>): Promise<void> {
    const kafka = new Kafka({ clientId: 'kiot-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: `${topic}-${tag}`, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const t0 = Date.parse('2026-05-01T00:00:00Z');
    await producer.send({ topic: `${topic}-${tag}`, messages: Array.from({ length: 40 }, (_, i) => brokerRecord(validated(`${run}-${tag}-d${i % 2}`, t0 + i * 1000, i))) });
    await producer.disconnect();
    const c = config(brokers, secret, `${tag}-${run}`, `${topic}-${tag}`);
    const write = createInfluxWriter({ ...c.writer, precision: 'ms' });
    // The consumer's own log, shown if the points never all arrive (a join or a fetch that keeps failing says why).
    const log: string[] = [];
    const running = await runConsumer(c.kafka, (records) => processBatch(records, write, c.writer.mapping, 5000), (line) => void log.push(JSON.stringify(line)));
    let stored = 0;
    try {
      // Generous: joining a new group and fetching over TLS can take a while on a loaded 2-core machine.
      await eventually(async () => {
        const s = await exportSeries(`{__name__="temperature_temperature",device=~"${run}-${tag}-d.*"}`);
        stored = s.reduce((n, x) => n + x.values.length, 0);
        return stored === 40 ? true : undefined;
      }, 60_000).catch((err: Error) => {
        throw new Error(`${err.message}: ${stored} of 40 points stored; the consumer said:\n${log.slice(-20).join('\n')}`);
      });
    } finally {
      await running.stop();
    }
  }

  it('reads over SASL_SSL with SCRAM-SHA-512, trusting the Secret\'s ca.crt', async () => {
    await consumeAll('scram', KAFKA_SASL_SSL, { protocol: 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', ...KAFKA_SASL_USER, 'ca.crt': kafkaTlsFile('ca.crt') });
  });

  it('reads over SSL with a client certificate (user.crt, user.key), where the broker requires one', async () => {
    await consumeAll('mtls', KAFKA_MTLS, { protocol: 'SSL', 'ca.crt': kafkaTlsFile('ca.crt'), 'user.crt': kafkaTlsFile('client.crt'), 'user.key': kafkaTlsFile('client.key') });
  });

  it('fails to start with the broker\'s reason when the password is wrong', async () => {
    const wrong = config(KAFKA_SASL_SSL, { protocol: 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', user: 'kiot', password: 'not-the-password', 'ca.crt': kafkaTlsFile('ca.crt') }, `wrong-${run}`);
    await assert.rejects(runConsumer(wrong.kafka, async () => ({ written: 0, skipped: 0, dead: [] }), () => undefined), /SCRAM SHA512 authentication failed/);
  });

  it('refuses to start on a Secret it cannot use, listing every problem', () => {
    assert.throws(() => config(KAFKA_SASL_SSL, { protocol: 'SASL_SSL', 'sasl.mechanism': 'GSSAPI', 'user.crt': 'x' }, 'g'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'Kafka auth: user.crt and user.key go together (a client certificate needs its key)',
        'Kafka auth: sasl.mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, not "GSSAPI"',
        'Kafka auth: protocol SASL_SSL needs user and password',
      ]);
      return true;
    });
    assert.throws(() => parseConsumerConfig({ INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot', KAFKA_BROKERS: 'k:9092', KAFKA_AUTH_DIR: '/nonexistent/kafka-auth' }), /\/nonexistent\/kafka-auth is not a directory/);
  });
});
