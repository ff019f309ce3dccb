/** Kafka for tests: the real KRaft broker scripts/services/start runs, and records as the Knative Kafka broker writes them. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka as CE, type CloudEvent } from 'cloudevents';
import { missing, needService } from './services';

export const KAFKA_BROKERS = [process.env['KIOT_KAFKA_BROKERS'] ?? '127.0.0.1:19092'];

/** Exactly what the Knative Kafka broker writes: binary content mode, partitionkey as the record key. */
export function brokerRecord(ev: CloudEvent<unknown>): { key: string | null; value: string; headers: Record<string, string> } {
  const m = CE.binary(ev);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers)) if (v !== undefined) headers[k] = String(v);
  return { key: m.key === undefined ? null : String(m.key), value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value), headers };
}

/** The same broker's TLS listeners (scripts/services/start): SASL_SSL (SCRAM-SHA-512, PLAIN) and SSL with a required client certificate. */
export const KAFKA_SASL_SSL = process.env['KIOT_KAFKA_SASL_SSL'] ?? '127.0.0.1:19094';
export const KAFKA_MTLS = process.env['KIOT_KAFKA_MTLS'] ?? '127.0.0.1:19095';
export const KAFKA_SASL_USER = { user: 'kiot', password: 'kiot-test-secret' };
// Where scripts/services/start keeps them: by the plaintext port, so any checkout finds the running broker's;
// under the TMPDIR it ran with, which a test run replaces with its own (scripts/run-tmpdir.mjs).
const TLS_DIR = join(process.env['KIOT_SERVICES_TMPDIR'] ?? tmpdir(), `kiot-kafka-${KAFKA_BROKERS[0]!.split(':')[1]}-tls`);

/** One file of the test CA's: ca.crt, client.crt, client.key. */
export const kafkaTlsFile = (name: string): string => readFileSync(join(TLS_DIR, name), 'utf8');

/** A directory laid out as Knative's Kafka auth Secret is mounted: one file per key. */
export function authSecretDir(keys: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiot-kafka-auth-'));
  for (const [k, v] of Object.entries(keys)) writeFileSync(join(dir, k), v);
  return dir;
}

/** Call in a `before` hook: skips on a laptop without Kafka (at this listener), fails under CI. */
export async function needKafka(ctx: Mocha.Context, address = KAFKA_BROKERS[0]!): Promise<void> {
  const [host, port] = address.split(':');
  const up = await new Promise<boolean>((resolve) => {
    const s = connect(Number(port), host!, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
  if (!up) await needService(ctx, 'Kafka', `http://${address}/`, 'scripts/services/install && scripts/services/start (Kafka 3.9 and 4.1 from Maven Central, KRaft)');
}

/** Kafka's own jars, as scripts/services/install fetched them into this checkout. */
const KAFKA_LIB = join(__dirname, '../../var/services/kafka-lib');

/**
 * Produces records with Kafka's own Java producer (its console producer), compressed as `codec` says
 * (gzip, snappy, lz4, zstd) exactly as a Java producer, the Knative Kafka broker's among them, writes
 * them. Header values must hold no ',' and the value no newline. Call needKafkaJava first.
 */
export function produceWithJava(topic: string, codec: string, records: readonly { headers: Readonly<Record<string, string>>; value: string }[]): void {
  const lines = records.map((r) => `${Object.entries(r.headers).map(([k, v]) => `${k}:${v}`).join(',')}|${r.value}\n`).join('');
  execFileSync('java', ['-cp', `${KAFKA_LIB}/*`, 'kafka.tools.ConsoleProducer', '--bootstrap-server', KAFKA_BROKERS[0]!, '--topic', topic, '--compression-codec', codec,
    '--property', 'parse.headers=true', '--property', 'headers.delimiter=|', '--property', 'headers.separator=,', '--property', 'headers.key.separator=:', '--producer-property', 'acks=all',
    // Batches of up to 256 KB, so that a codec's framing holds several blocks (xerial Snappy's are 32 KB).
    '--producer-property', 'batch.size=262144', '--producer-property', 'linger.ms=200'], { input: lines, stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 });
}

/** Call after needKafka (in a hook or the test): skips without Kafka's jars in this checkout, fails under CI. */
export function needKafkaJava(ctx: Mocha.Context): void {
  if (!existsSync(join(KAFKA_LIB, '.complete'))) missing(ctx, `Kafka's jars are not in ${KAFKA_LIB} (scripts/services/install)`);
}
