/** What a CloudEvent function receives, checked before any logic runs. */
import { CloudEvent, ValidationError } from 'cloudevents';
import { attributeProblems, binaryAttributes, header, type Headers } from './cloudevent-spec';
import { KiotError } from './errors';
import { NotJson, parseJsonBytes } from './json-bytes';
import { IDENTITY_EXTENSIONS, type EventType } from './events';

interface EventContext {
  readonly cloudevent?: unknown;
  readonly headers?: Headers;
  readonly body?: unknown;
  readonly method?: string;
}

/** The methods a function that takes CloudEvents serves on `/` (preflights are answered before it). */
export const EVENT_METHODS = 'POST, OPTIONS';

const structured = (headers: Headers): boolean => header(headers, 'content-type')?.toLowerCase().startsWith('application/cloudevents') === true;

/** Whether a request says it is a CloudEvent: a cloudevents content type, or a ce-id or ce-specversion header. */
export const claimsCloudEvent = (headers: Headers): boolean => structured(headers) || header(headers, 'ce-id') !== undefined || header(headers, 'ce-specversion') !== undefined;

/** The spec's verdict on the attributes exactly as they arrived (binary headers or the structured body); undefined when the request is not at hand. */
function arrivedProblems(context: EventContext): string[] | undefined {
  const headers = context.headers;
  if (!headers) return undefined;
  if (structured(headers)) {
    let doc = context.body;
    if (typeof doc === 'string' || Buffer.isBuffer(doc)) {
      try {
        doc = typeof doc === 'string' ? JSON.parse(doc) : parseJsonBytes(doc);
      } catch (err) {
        return [`structured mode body is not JSON${err instanceof NotJson ? err.detail : ''}`];
      }
    }
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? attributeProblems(doc as Record<string, unknown>) : ['structured mode body must be a JSON object'];
  }
  return claimsCloudEvent(headers) ? attributeProblems(binaryAttributes(headers)) : undefined;
}

/**
 * faas-js-runtime parses with its own nested copy of the cloudevents package (v8), so its events
 * are not `instanceof` ours: recognise them by class name. kiot only reads their attributes and
 * data, which both versions expose alike, so the event is used as it is rather than rebuilt (a
 * rebuild cost more than the rest of a stage's own work).
 */
function asCloudEvent(v: unknown): CloudEvent<unknown> | undefined {
  if (v instanceof CloudEvent) return v;
  if (typeof v !== 'object' || v === null || v.constructor.name !== 'CloudEvent') return undefined;
  return v as CloudEvent<unknown>;
}

/**
 * faas-js-runtime calls a CloudEvent handler with a plain body when the request has no ce-id, and
 * (as kiot builds it, scripts/build.mjs) when it claims to be a CloudEvent the SDK could not build.
 */
export function requireCloudEvent(context: EventContext, event: unknown): CloudEvent<unknown> {
  const problems = arrivedProblems(context);
  if (problems !== undefined && problems.length > 0) throw new KiotError('NOT_A_CLOUDEVENT', `invalid CloudEvent: ${problems.join('; ')}`.slice(0, 300), problems);
  const ev = asCloudEvent(context.cloudevent) ?? asCloudEvent(event);
  // A GET or HEAD (a monitor, a browser) carries no event: the method is what is wrong, not the request.
  if (!ev && (context.method === 'GET' || context.method === 'HEAD')) throw new KiotError('METHOD_NOT_ALLOWED', 'this function takes CloudEvents with POST', undefined, { headers: { allow: EVENT_METHODS } });
  if (!ev) throw new KiotError('NOT_A_CLOUDEVENT', problems === undefined ? 'expected a CloudEvent (binary mode with ce-id, or structured)' : 'invalid CloudEvent: the runtime could not read it');
  // Checked as it arrived: the SDK's own validation of the same rules would only repeat the work.
  if (problems !== undefined) return ev;
  try {
    ev.validate();
  } catch (err) {
    const details = err instanceof ValidationError ? err.errors : undefined;
    throw new KiotError('NOT_A_CLOUDEVENT', 'invalid CloudEvent', details);
  }
  return ev;
}

/** A stage takes only the types its config names (a step may be inserted before it, with its own type). */
export function requireType(event: CloudEvent<unknown>, accepted: readonly string[]): void {
  if (!accepted.includes(event.type)) throw new KiotError('UNPROCESSABLE', `expected type ${accepted.join(' or ')}, got ${event.type}`);
}

/**
 * The reply a stage sends back into the broker: same identity (source, subject, time,
 * extensions), a new id and the stage's own type, so no Trigger can loop on it.
 */
export function deriveEvent(from: CloudEvent<unknown>, type: EventType | string, data: unknown, extra: Record<string, string> = {}): CloudEvent<unknown> {
  const attrs: Record<string, unknown> = {
    type,
    source: from.source,
    subject: from.subject,
    time: from.time,
    datacontenttype: 'application/json',
    data,
    ...extra,
  };
  if (from.dataschema !== undefined) attrs['dataschema'] = from.dataschema;
  for (const name of IDENTITY_EXTENSIONS) {
    const v = from[name];
    if (typeof v === 'string') attrs[name] = v;
  }
  // Not re-validated: every attribute comes from an event already validated, or from kiot's own constants.
  return new CloudEvent(attrs as ConstructorParameters<typeof CloudEvent>[0], false);
}
