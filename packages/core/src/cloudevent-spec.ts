/**
 * The CloudEvents 1.0 attribute rules, checked on the attributes as they arrived over HTTP (the
 * SDK is lenient: it keeps other spec versions and silently replaces a time it cannot parse).
 * Shared by the broker's ingress and every function, so both refuse the same events; and the
 * binary-mode form (attributes plus data bytes) in which endpoints and the broker write events.
 */
import { randomUUID } from 'node:crypto';
import { fitName, headerLine, HeaderLines } from './http1/request';
import { remembered } from './remembered';
import { canonicalUtc } from './utc-time';

export type AttributeValue = string | number | boolean;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-](\d{2}):(\d{2}))$/;
// Parameters as an HTTP header can carry them (Content-Type in binary mode): no control characters, nothing past Latin-1.
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+([ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/** CloudEvents attribute names: lower-case ASCII letters and digits. */
export const isAttributeName = (name: string): boolean => ATTRIBUTE_NAME.test(name);
// URIs carry no whitespace or control characters.
const URI_REFERENCE = /^[!-~\u0080-\uffff]*$/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[!-~\u0080-\uffff]*$/;

/** RFC 3339 as CloudEvents' time needs it: the nearly universal canonical UTC form read by hand, anything else by the full check. */
const isRfc3339 = (v: string): boolean => canonicalUtc(v) !== undefined || rfc3339ByPattern(v);

/** The full check, pattern then Date.parse: what isRfc3339 answers for every string (a test holds the two equal). */
export function rfc3339ByPattern(v: string): boolean {
  const m = RFC3339.exec(v);
  if (!m) return false;
  const [, , mo, d, h, mi, s, , , oh, om] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return !Number.isNaN(Date.parse(v.replace(/(\.\d{3})\d+/, '$1')));
}

/** The optional context attributes and their rule (hoisted: this runs for every event on every hop). */
const OPTIONAL: Readonly<Record<string, (v: string) => boolean>> = {
  time: isRfc3339,
  datacontenttype: (v) => MEDIA_TYPE.test(v),
  dataschema: (v) => ABSOLUTE_URI.test(v),
  subject: (v) => v !== '',
};
const NOT_EXTENSIONS = new Set(['specversion', 'id', 'source', 'type', 'data', 'data_base64', ...Object.keys(OPTIONAL)]);

/** A context attribute's name the spec defines (not an extension's): id, source, time, dataschema, … */
export const isSpecAttribute = (name: string): boolean => NOT_EXTENSIONS.has(name);

/** Every problem with a set of attributes, per the CloudEvents 1.0 spec; empty when valid. */
export function attributeProblems(attrs: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  if (attrs['specversion'] !== '1.0') problems.push(`specversion must be "1.0", got ${JSON.stringify(attrs['specversion'] ?? null)}`);
  for (const name of ['id', 'source', 'type']) {
    const v = attrs[name];
    if (typeof v !== 'string' || v === '') problems.push(`${name} is required and must be a non-empty string`);
  }
  if (typeof attrs['source'] === 'string' && !URI_REFERENCE.test(attrs['source'])) problems.push('source must be a URI-reference');
  for (const name in OPTIONAL) {
    const v = attrs[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !OPTIONAL[name]!(v)) problems.push(`${name} is not valid: ${JSON.stringify(v).slice(0, 80)}`);
  }
  for (const name in attrs) {
    if (NOT_EXTENSIONS.has(name)) continue;
    const v = attrs[name];
    if (!ATTRIBUTE_NAME.test(name)) problems.push(`attribute name ${JSON.stringify(name).slice(0, 40)} must be lowercase letters and digits`);
    else if (v === null || v === undefined) continue;
    else if (typeof v === 'number' ? !Number.isInteger(v) || v < -2147483648 || v > 2147483647 : typeof v !== 'string' && typeof v !== 'boolean')
      problems.push(`extension ${name} must be a string, boolean or 32-bit integer`);
  }
  if (attrs['data'] !== undefined && attrs['data_base64'] !== undefined) problems.push('data and data_base64 are mutually exclusive');
  return problems;
}

/** A CloudEvent as kiot hands it on: its attributes and its data bytes, never decoded. */
export interface BinaryEvent {
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly data: Buffer | undefined;
}

/** Thrown by newEvent: the attributes break the CloudEvents spec (the message names every problem). */
export class InvalidAttributes extends Error {}

/**
 * A new event from kiot's own attributes: specversion 1.0 and a random id are added, undefined ones
 * are left out, and the result is checked against the spec; empty data is no data. Built directly
 * rather than through the SDK's CloudEvent, whose construction and serialisation were a tenth of the
 * MQTT endpoint's CPU.
 */
export function newEvent(attrs: Readonly<Record<string, AttributeValue | undefined>>, data: Buffer | undefined): BinaryEvent {
  const attributes: Record<string, AttributeValue> = { specversion: '1.0', id: randomUUID() };
  for (const name in attrs) {
    const v = attrs[name];
    if (v !== undefined) attributes[name] = v;
  }
  const problems = attributeProblems(attributes);
  if (problems.length > 0) throw new InvalidAttributes(problems.join('; '));
  return { attributes, data: data !== undefined && data.length > 0 ? data : undefined };
}

// What a ce-* header value carries as is: printable ASCII except '%', which starts an escape.
const UNSAFE_IN_HEADER = /[^\x20-\x24\x26-\x7e]/u;
const UNSAFE_IN_HEADER_ALL = new RegExp(UNSAFE_IN_HEADER.source, 'gu');

/** Each attribute's header name, made once (a key built anew for every event cost half of the headers' rendering) and checked fit to send. */
const headerName = remembered(512, (attribute) => {
  const name = `ce-${attribute}`;
  fitName(name);
  return name;
});

/** An attribute's value as a ce-* header carries it: percent-encoded where HTTP needs it (the inverse of binaryAttributes). */
const inHeader = (v: string): string => (UNSAFE_IN_HEADER.test(v) ? v.replace(UNSAFE_IN_HEADER_ALL, (c) => encodeURIComponent(c)) : v);

/**
 * Binary-mode HTTP headers for an event, as lines ready to send: ce-* per attribute, Content-Type for
 * datacontenttype, then `extra` (the broker's Prefer). No headers object between the event and its
 * request, and each value checked once (the ce-* values are safe once encoded). Refuses, as the
 * transport would, a header HTTP cannot carry.
 */
export function binaryHeaderLines(attributes: Readonly<Record<string, AttributeValue>>, extra: Readonly<Record<string, string>> = {}): HeaderLines {
  let text = '';
  for (const name in attributes) {
    const v = String(attributes[name]);
    text += name === 'datacontenttype' ? headerLine('content-type', v) : `${headerName(name)}: ${inHeader(v)}\r\n`;
  }
  for (const name in extra) text += headerLine(name, extra[name]!);
  return new HeaderLines(text);
}

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** The attributes of a binary-mode request: every ce-* header, percent-decoded, plus content-type. */
export function binaryAttributes(headers: Headers): Record<string, AttributeValue> {
  const attrs: Record<string, AttributeValue> = {};
  for (const name in headers) {
    if (!name.startsWith('ce-')) continue;
    const v = header(headers, name);
    if (v === undefined) continue;
    attrs[name.slice(3)] = v.includes('%') ? percentDecoded(v) : v;
  }
  const contentType = header(headers, 'content-type');
  if (contentType !== undefined) attrs['datacontenttype'] = contentType;
  return attrs;
}

function percentDecoded(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Whether data of this content type is JSON (absent: JSON, as the spec's default for structured events). */
export function isJsonMedia(ct: string | undefined): boolean {
  if (ct === undefined) return true;
  const t = ct.split(';')[0]!.trim().toLowerCase();
  return t === 'application/json' || t === 'text/json' || t.endsWith('+json');
}
