/** http-ingest: devices' HTTP requests → io.kiot.telemetry.raw.v1 CloudEvents at K_SINK. */
import type { Context } from 'faas-js-runtime';
import { answer, Authenticator, claimsCloudEvent, clientAddress, FailureLimiter, KiotError, RateLimiter, sentHeaders, startingRegistry, watchRegistryFile, type Log } from '@kiot/core';
import { bindingSink } from '@kiot/core/exchange';
import { parseConfig, type IngestConfig } from './config';
import { ALLOWED_METHODS, ingest, type IngestDeps } from './ingest';

import { checkQuery, mediaTypeOf, type IngestRequest } from './request';

let deps: IngestDeps | undefined;
let config: Readonly<IngestConfig> | undefined;
let stopWatching: (() => void) | undefined;

const startupLog: Log = {
  info: (m) => process.stdout.write(`${JSON.stringify({ level: 30, component: 'http-ingest', ...(typeof m === 'object' ? m : { msg: m }) })}\n`),
  warn: (m) => process.stdout.write(`${JSON.stringify({ level: 40, component: 'http-ingest', ...(typeof m === 'object' ? m : { msg: m }) })}\n`),
  error: (m) => process.stderr.write(`${JSON.stringify({ level: 50, component: 'http-ingest', ...(typeof m === 'object' ? m : { msg: m }) })}\n`),
};

export const init = (): void => {
  config = parseConfig(process.env);
  // Called again (a test re-reading its environment): the previous registry's watcher goes, or both would reload.
  stopWatching?.();
  let auth: Authenticator | undefined;
  if (config.registryFile !== undefined) {
    const a = new Authenticator(startingRegistry(config.registryFile, 'INGEST_REGISTRY_FILE'));
    auth = a;
    stopWatching = watchRegistryFile(config.registryFile, (r) => { a.replace(r); startupLog.info({ msg: 'device registry reloaded' }); }, (e) => startupLog.error({ msg: 'device registry reload failed; keeping the previous one', error: e.message }));
  }
  if (config.anonymousApplication !== undefined) startupLog.warn({ msg: 'ANONYMOUS MODE: every request is accepted without credentials. For demos only.' });
  deps = {
    config,
    auth: config.anonymousApplication !== undefined ? undefined : auth,
    send: bindingSink(config, config.sinkTimeoutMs, config.retryAfterSeconds, config.sinkPipelining),
    limiter: new RateLimiter(config.ratePerSecond, config.burst),
    failures: new FailureLimiter(config.authFailuresPerMinute),
    now: () => new Date(),
  };
};

export const shutdown = (): void => stopWatching?.();

/** No wildcard: only the configured origins may read answers in a browser. */
export const cors = (): string[] => [...(config?.corsOrigins ?? [])];

// The runtime's own probes answer 503 with a TypeError once the event loop has lagged (core probes.ts).
export { liveness, readiness } from '@kiot/core';

/**
 * Every body as the bytes the device sent (core sent-bytes.ts): forwarded unchanged, and JSON parsed
 * here, so one that does not parse gets kiot's own 400 rather than fastify's.
 */
export const bodyAsBytes = true;
/** The Allow of the launcher's 405 to methods the runtime does not route (core launch.ts), as of ingest's own. */
export const allow = ALLOWED_METHODS;
/** The launcher appends the socket's peer to X-Forwarded-For (core launch.ts): the client's address without a proxy in front. */
export const recordsPeer = true;

function bodyBytes(context: Context): Buffer {
  const body: unknown = context.body;
  if (Buffer.isBuffer(body)) return body;
  // Started without kiot's start entry (the runtime's own CLI): what --include-raw kept, else what the runtime parsed.
  const raw = context.rawBody;
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body === undefined || body === null) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export const handle = async (context: Context) =>
  answer(context.log, async () => {
    if (!deps) init();
    // Checked before anything reads context.body: the runtime copies query keys onto the context.
    const query = checkQuery(context.query ?? {});
    const headers = sentHeaders(context.headers);
    // Valid or not: a request that claims to be a CloudEvent is not a device's reading.
    if (claimsCloudEvent(headers)) throw new KiotError('BAD_REQUEST', 'http-ingest takes device readings, not CloudEvents: post to the broker instead');
    const req: IngestRequest = {
      method: context.method,
      query,
      headers,
      body: bodyBytes(context),
      contentType: headers['content-type'],
      mediaType: mediaTypeOf(headers['content-type']),
      remote: clientAddress(headers['x-forwarded-for'], deps!.config.trustedProxies),
    };
    return ingest(req, deps!);
  });
