/**
 * http-ingest's logic: authenticate, wrap what the device sent in an io.kiot.telemetry.raw.v1
 * CloudEvent, and answer 202 only once the sink (the Broker) accepted it.
 */
import { applicationForTts, EVENT_TYPES, InvalidAttributes, KiotError, mayPublishFor, newEvent, partitionKeyFor, sourceFor, type AttributeValue, type Authenticator, type AttemptGate, type BinaryEvent, type FailureLimiter, type RateLimiter, type SendEvent } from '@kiot/core';
import type { IngestConfig } from './config';
import { basicCredentials } from './credentials';
import { chooseDialect, type Envelope } from './dialects';
import { decodedBody, parseJson, type IngestRequest } from './request';

export interface IngestDeps {
  readonly config: Readonly<IngestConfig>;
  /** Undefined in anonymous mode. */
  readonly auth: Authenticator | undefined;
  readonly send: SendEvent;
  readonly limiter: RateLimiter;
  /** Failed authentications per source address. */
  readonly failures: FailureLimiter;
  readonly now: () => Date;
}

export interface IngestAnswer {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

const unauthenticated = (): KiotError => new KiotError('UNAUTHENTICATED', 'missing or wrong credentials', undefined, { headers: { 'www-authenticate': 'Basic realm="kiot", charset="UTF-8"' } });

interface Who { application: string; device: string; sender?: string }

function limited(deps: IngestDeps, req: IngestRequest): KiotError {
  return new KiotError('RATE_LIMITED', 'too many failed authentications from this address', undefined, { headers: { 'retry-after': String(Math.max(1, deps.failures.peek(req.remote))) } });
}

/** Why a device's credentials were refused, as the answer the device gets. */
function refusal(reason: 'unauthenticated' | 'disabled' | 'limited', deps: IngestDeps, req: IngestRequest): KiotError {
  if (reason === 'limited') return limited(deps, req);
  return reason === 'disabled' ? new KiotError('FORBIDDEN', 'the device is disabled') : unauthenticated();
}

async function authenticate(req: IngestRequest, env: Envelope, deps: IngestDeps, gate: AttemptGate): Promise<Who> {
  const creds = basicCredentials(req.headers['authorization'], req.query['application']);
  const asDevice = req.query['as'];
  if (!deps.auth) {
    // Anonymous demo mode: the device names itself.
    const application = env.identity.kind === 'envelope' ? env.identity.application : creds?.application ?? deps.config.anonymousApplication ?? 'demo';
    const device = env.identity.kind === 'envelope' ? env.identity.device : asDevice ?? creds?.device ?? 'anonymous';
    return { application, device };
  }
  if (env.identity.kind === 'envelope') {
    const application = applicationForTts(deps.auth.current, env.identity.lorawanApplication);
    const secret = req.headers[deps.config.webhookSecretHeader];
    if (secret !== undefined) {
      const ok = await deps.auth.webhook(application, secret, gate);
      if (ok === 'limited') throw limited(deps, req);
      if (!ok) throw unauthenticated();
      return { application, device: env.identity.device };
    }
    if (!creds) throw unauthenticated();
    const outcome = await deps.auth.device(creds.application ?? application, creds.device, creds.password, gate);
    if (!outcome.ok) throw refusal(outcome.reason, deps, req);
    if (outcome.application !== application) throw new KiotError('FORBIDDEN', 'the credentials belong to another application');
    if (outcome.device === env.identity.device) return { application, device: outcome.device };
    if (!mayPublishFor(outcome.entry, env.identity.device)) throw new KiotError('FORBIDDEN', 'these credentials may not publish for that device');
    return { application, device: env.identity.device, sender: outcome.device };
  }
  if (!creds?.application) throw unauthenticated();
  const outcome = await deps.auth.device(creds.application, creds.device, creds.password, gate);
  if (!outcome.ok) throw refusal(outcome.reason, deps, req);
  if (asDevice === undefined || asDevice === outcome.device) return { application: outcome.application, device: outcome.device };
  if (!/^[-A-Za-z0-9_.:@]{1,128}$/.test(asDevice)) throw new KiotError('BAD_REQUEST', '?as= is not a valid device name');
  if (!mayPublishFor(outcome.entry, asDevice)) throw new KiotError('FORBIDDEN', `this device may not publish for ${asDevice}`);
  return { application: outcome.application, device: asDevice, sender: outcome.device };
}

/** The event, or 400 naming what the request made invalid (a content type that is no media type, say). */
function rawEvent(attrs: Readonly<Record<string, AttributeValue | undefined>>, data: Buffer): BinaryEvent {
  try {
    return newEvent(attrs, data);
  } catch (err) {
    if (err instanceof InvalidAttributes) throw new KiotError('BAD_REQUEST', `the request does not make a valid CloudEvent: ${err.message}`);
    throw err;
  }
}

/** What devices may send to `/` (the Allow of every 405). */
export const ALLOWED_METHODS = 'POST, OPTIONS';

export async function ingest(sent: IngestRequest, deps: IngestDeps): Promise<IngestAnswer> {
  if (sent.method !== 'POST') throw new KiotError('METHOD_NOT_ALLOWED', 'send readings with POST', undefined, { headers: { allow: ALLOWED_METHODS } });
  if (sent.body.length > deps.config.bodyLimit) throw new KiotError('PAYLOAD_TOO_LARGE', `the body is above ${deps.config.bodyLimit} bytes`);
  const encoding = sent.headers['content-encoding'];
  const req = encoding === undefined ? sent : { ...sent, body: decodedBody(sent.body, encoding, deps.config.bodyLimit) };
  let parsed: { value: unknown } | undefined;
  const json = (): unknown => (parsed ??= { value: parseJson(req.body, 'body') }).value;
  const dialect = chooseDialect(req, json);
  const env = dialect.parse(req, json);
  if (deps.failures.peek(req.remote) > 0) throw limited(deps, req);
  const gate = deps.failures.gate(req.remote);
  let who: Who;
  try {
    who = await authenticate(req, env, deps, gate);
  } catch (err) {
    if (err instanceof KiotError && err.errorName === 'UNAUTHENTICATED') gate.fail();
    throw err;
  }
  if (env.ignored !== undefined) return { statusCode: 204, headers: { 'kiot-ignored': env.ignored } };
  const wait = deps.limiter.take(`${who.application}/${who.device}`);
  if (wait > 0) throw new KiotError('RATE_LIMITED', 'the device is above its rate', undefined, { headers: { 'retry-after': String(wait) } });
  const dataschema = req.query['dataschema'];
  if (dataschema !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(dataschema)) throw new KiotError('BAD_REQUEST', 'dataschema must be an absolute URI');
  const attrs: Record<string, AttributeValue | undefined> = {
    ...env.extensions,
    type: EVENT_TYPES.raw,
    source: sourceFor(who.application, who.device),
    subject: env.channel,
    time: deps.now().toISOString(),
    datacontenttype: env.contentType,
    application: who.application,
    device: who.device,
    partitionkey: partitionKeyFor(who.application, who.device),
    kiotdialect: dialect.name,
  };
  if (who.sender !== undefined) attrs['sender'] = who.sender;
  if (dataschema !== undefined) attrs['dataschema'] = dataschema;
  const traceparent = req.headers['traceparent'];
  if (traceparent !== undefined && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(traceparent)) attrs['traceparent'] = traceparent;
  const event = rawEvent(attrs, env.data);
  await deps.send(event);
  return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: { id: event.attributes['id'] } };
}
