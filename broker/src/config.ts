/** The embedded broker's configuration, from env (the local stack sets it). */
import { EnvReader, type Env } from '@kiot/core';
import type { BrokerOptions } from './broker';

export function parseBrokerConfig(env: Env, log: BrokerOptions['log']): Readonly<BrokerOptions> {
  const r = new EnvReader(env);
  const services: Record<string, string> = {};
  for (const item of r.list('BROKER_SERVICES')) {
    const m = /^([a-z0-9-]+)=(https?:\/\/\S+)$/.exec(item);
    if (m) services[m[1]!] = m[2]!;
    else r.problem(`BROKER_SERVICES item ${JSON.stringify(item)} is not name=http://host:port`);
  }
  const dirs = r.list('BROKER_EVENTING_DIRS');
  return r.done({
    host: r.string('BROKER_HOST', '127.0.0.1'),
    port: r.integer('BROKER_PORT', 8081, 0, 65535),
    eventingDirs: dirs.length > 0 ? dirs : ['eventing/base'],
    services,
    absent: r.list('BROKER_ABSENT_SERVICES'),
    sinksDir: r.string('BROKER_SINKS_DIR', 'var/sinks'),
    capacity: r.integer('BROKER_CAPACITY', 10_000, 1),
    // The writer answers a delivery once the batch holding it is written, so its batch is what is in flight:
    // at 32, InfluxDB-bound readings waited ~400 ms at 700/s; at 100, ~150 ms (bench/results/latest.md).
    concurrencyPerTrigger: r.integer('BROKER_CONCURRENCY', 100, 1, 10_000),
    maxBodyBytes: r.integer('BROKER_MAX_BODY_BYTES', 1024 * 1024, 1),
    retryAfterSeconds: r.integer('BROKER_RETRY_AFTER_SECONDS', 1, 1),
    defaultNamespace: r.string('BROKER_NAMESPACE', 'kiot'),
    journalDir: r.string('BROKER_JOURNAL_DIR', 'var/broker'),
    fsync: r.boolean('BROKER_FSYNC', false),
    log,
  });
}
