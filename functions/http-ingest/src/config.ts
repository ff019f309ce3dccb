/** http-ingest configuration, parsed once from env at init. */
import { EnvReader, readSinkBinding, readTrustedProxies, type Env, type SinkBinding, type TrustedProxies } from '@kiot/core';

/** The Broker ingress, overrides and CA bundle: what the SinkBinding injects. */
export interface IngestConfig extends SinkBinding {
  readonly sinkTimeoutMs: number;
  /** Requests one connection to the Broker carries unanswered (HTTP/1.1 pipelining); 1 is none. */
  readonly sinkPipelining: number;
  readonly retryAfterSeconds: number;
  /** Registry file (YAML or JSON); absent only in anonymous mode. */
  readonly registryFile?: string;
  /** Demo only: accept any device without credentials, into this application. */
  readonly anonymousApplication?: string;
  readonly bodyLimit: number;
  /** Token bucket per device: sustained requests per second and burst. */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Failed authentications per minute per source address before it is refused (429). */
  readonly authFailuresPerMinute: number;
  /** Proxies whose X-Forwarded-For entries are believed: the source address is the first entry, from the right, outside them. */
  readonly trustedProxies: TrustedProxies;
  readonly corsOrigins: readonly string[];
  readonly webhookSecretHeader: string;
}

export function parseConfig(env: Env): Readonly<IngestConfig> {
  const r = new EnvReader(env);
  const binding = readSinkBinding(r);
  const registryFile = r.optional('INGEST_REGISTRY_FILE');
  const anonymous = r.boolean('INGEST_ANONYMOUS', false);
  if (!anonymous && registryFile === undefined) r.problem('INGEST_REGISTRY_FILE is required (or INGEST_ANONYMOUS=true, for demos only)');
  // Loopback always: the peer the launcher appends is the queue-proxy, in the pod.
  const trusted = readTrustedProxies(r, 'INGEST_TRUSTED_PROXIES', ['loopback']);
  const config: IngestConfig = {
    ...binding,
    sinkTimeoutMs: r.integer('INGEST_SINK_TIMEOUT_MS', 5000, 1),
    sinkPipelining: r.integer('INGEST_SINK_PIPELINING', 1, 1, 64),
    retryAfterSeconds: r.integer('INGEST_RETRY_AFTER_SECONDS', 2, 1),
    bodyLimit: r.integer('INGEST_BODY_LIMIT', 64 * 1024, 1),
    ratePerSecond: r.integer('INGEST_RATE_PER_SECOND', 50, 1),
    burst: r.integer('INGEST_RATE_BURST', 100, 1),
    authFailuresPerMinute: r.integer('INGEST_AUTH_FAILURES_PER_MINUTE', 30, 1),
    trustedProxies: trusted,
    corsOrigins: r.list('INGEST_CORS_ORIGINS'),
    webhookSecretHeader: r.string('INGEST_WEBHOOK_SECRET_HEADER', 'x-kiot-webhook-secret').toLowerCase(),
    ...(registryFile === undefined ? {} : { registryFile }),
    ...(anonymous ? { anonymousApplication: r.string('INGEST_ANONYMOUS_APPLICATION', 'demo') } : {}),
  };
  if (config.corsOrigins.includes('*')) r.problem('INGEST_CORS_ORIGINS must list origins; a wildcard would let any page post readings');
  return r.done(config);
}
