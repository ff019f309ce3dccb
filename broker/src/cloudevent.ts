/**
 * CloudEvents 1.0 as the broker sees them: attributes plus the data bytes, parsed from HTTP in
 * binary or structured mode, checked against the spec, and written out in binary mode (as the
 * Knative Kafka broker dispatches). The data itself is never decoded, so nothing is lost.
 */

export type AttributeValue = string | number | boolean;

export interface BrokerEvent {
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly data: Buffer | undefined;
}

export class InvalidEvent extends Error {}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-](\d{2}):(\d{2}))$/;
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/;
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
// URIs carry no whitespace or control characters.
const URI_REFERENCE = /^[!-~\u0080-\uffff]*$/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[!-~\u0080-\uffff]*$/;

function isRfc3339(v: string): boolean {
  const m = RFC3339.exec(v);
  if (!m) return false;
  const [, , mo, d, h, mi, s, , , oh, om] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return !Number.isNaN(Date.parse(v.replace(/(\.\d{3})\d+/, '$1')));
}

/** Every problem with a set of attributes, per the CloudEvents 1.0 spec; empty when valid. */
export function attributeProblems(attrs: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  if (attrs['specversion'] !== '1.0') problems.push(`specversion must be "1.0", got ${JSON.stringify(attrs['specversion'] ?? null)}`);
  for (const name of ['id', 'source', 'type']) {
    const v = attrs[name];
    if (typeof v !== 'string' || v === '') problems.push(`${name} is required and must be a non-empty string`);
  }
  if (typeof attrs['source'] === 'string' && !URI_REFERENCE.test(attrs['source'])) problems.push('source must be a URI-reference');
  const optional: Record<string, (v: string) => boolean> = {
    time: isRfc3339,
    datacontenttype: (v) => MEDIA_TYPE.test(v),
    dataschema: (v) => ABSOLUTE_URI.test(v),
    subject: (v) => v !== '',
  };
  for (const [name, ok] of Object.entries(optional)) {
    const v = attrs[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !ok(v)) problems.push(`${name} is not valid: ${JSON.stringify(v).slice(0, 80)}`);
  }
  for (const [name, v] of Object.entries(attrs)) {
    if (['specversion', 'id', 'source', 'type', 'data', 'data_base64', ...Object.keys(optional)].includes(name)) continue;
    if (!ATTRIBUTE_NAME.test(name)) problems.push(`attribute name ${JSON.stringify(name).slice(0, 40)} must be lowercase letters and digits`);
    else if (v === null || v === undefined) continue;
    else if (typeof v === 'number' ? !Number.isInteger(v) || v < -2147483648 || v > 2147483647 : typeof v !== 'string' && typeof v !== 'boolean')
      problems.push(`extension ${name} must be a string, boolean or 32-bit integer`);
  }
  if (attrs['data'] !== undefined && attrs['data_base64'] !== undefined) problems.push('data and data_base64 are mutually exclusive');
  return problems;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

function isJsonMedia(ct: string | undefined): boolean {
  if (ct === undefined) return true;
  const t = ct.split(';')[0]!.trim().toLowerCase();
  return t === 'application/json' || t === 'text/json' || t.endsWith('+json');
}

/** Parses one HTTP request into an event; throws InvalidEvent naming every problem. */
export function fromHttp(headers: Headers, body: Buffer): BrokerEvent {
  const contentType = header(headers, 'content-type');
  if (contentType?.toLowerCase().startsWith('application/cloudevents-batch')) throw new InvalidEvent('batched mode is not supported: send one event per request');
  if (contentType?.toLowerCase().startsWith('application/cloudevents')) return fromStructured(body);
  if (header(headers, 'ce-specversion') === undefined && header(headers, 'ce-id') === undefined) throw new InvalidEvent('not a CloudEvent: no ce-* headers and not application/cloudevents+json');
  const attrs: Record<string, AttributeValue> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || raw === undefined) continue;
    const v = Array.isArray(raw) ? raw.join(',') : raw;
    try {
      attrs[name.slice(3)] = decodeURIComponent(v);
    } catch {
      attrs[name.slice(3)] = v;
    }
  }
  if (contentType !== undefined) attrs['datacontenttype'] = contentType;
  check(attrs);
  return { attributes: attrs, data: body.length > 0 ? body : undefined };
}

function fromStructured(body: Buffer): BrokerEvent {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidEvent('structured mode body is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidEvent('structured mode body must be a JSON object');
  const record = doc as Record<string, unknown>;
  check(record);
  const attrs: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(record)) if (k !== 'data' && k !== 'data_base64' && v !== null && v !== undefined) attrs[k] = v as AttributeValue;
  let data: Buffer | undefined;
  if (typeof record['data_base64'] === 'string') data = Buffer.from(record['data_base64'], 'base64');
  else if (record['data'] !== undefined && record['data'] !== null) {
    const d = record['data'];
    data = Buffer.from(typeof d === 'string' && !isJsonMedia(attrs['datacontenttype'] as string | undefined) ? d : JSON.stringify(d));
    if (attrs['datacontenttype'] === undefined) attrs['datacontenttype'] = 'application/json';
  }
  return { attributes: attrs, data };
}

function check(attrs: Readonly<Record<string, unknown>>): void {
  const problems = attributeProblems(attrs);
  if (problems.length > 0) throw new InvalidEvent(problems.join('; '));
}

/** Binary-mode HTTP headers for an event (values percent-encoded where HTTP needs it). */
export function toBinaryHeaders(event: BrokerEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(event.attributes)) {
    if (name === 'datacontenttype') headers['content-type'] = String(v);
    else headers[`ce-${name}`] = String(v).replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
  }
  return headers;
}

/** A copy with extra extension attributes (dead-letter metadata). */
export function withAttributes(event: BrokerEvent, extra: Record<string, AttributeValue>): BrokerEvent {
  return { attributes: { ...event.attributes, ...extra }, data: event.data };
}

/** The structured JSON form, for the file-backed sinks an operator reads. */
export function toStructured(event: BrokerEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event.attributes };
  if (event.data !== undefined) {
    const ct = event.attributes['datacontenttype'];
    if (isJsonMedia(typeof ct === 'string' ? ct : undefined)) {
      try {
        out['data'] = JSON.parse(event.data.toString('utf8'));
        return out;
      } catch {
        // not JSON after all: keep the bytes
      }
    }
    out['data_base64'] = event.data.toString('base64');
  }
  return out;
}
