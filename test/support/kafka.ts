/** Kafka for tests: the real KRaft broker scripts/services/start runs, and records as the Knative Kafka broker writes them. */
import { connect } from 'node:net';
import { Kafka as CE, type CloudEvent } from 'cloudevents';
import { needService } from './services';

export const KAFKA_BROKERS = [process.env['KIOT_KAFKA_BROKERS'] ?? '127.0.0.1:19092'];

/** Exactly what the Knative Kafka broker writes: binary content mode, partitionkey as the record key. */
export function brokerRecord(ev: CloudEvent<unknown>): { key: string | null; value: string; headers: Record<string, string> } {
  const m = CE.binary(ev);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers)) if (v !== undefined) headers[k] = String(v);
  return { key: m.key === undefined ? null : String(m.key), value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value), headers };
}

/** Call in a `before` hook: skips on a laptop without Kafka, fails under CI. */
export async function needKafka(ctx: Mocha.Context): Promise<void> {
  const [host, port] = KAFKA_BROKERS[0]!.split(':');
  const up = await new Promise<boolean>((resolve) => {
    const s = connect(Number(port), host!, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
  if (!up) await needService(ctx, 'Kafka', `http://${KAFKA_BROKERS[0]}/`, 'scripts/services/install && scripts/services/start (Kafka 3.9 from Maven Central, KRaft)');
}
