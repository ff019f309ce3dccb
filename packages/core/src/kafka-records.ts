/**
 * Kafka records as CloudEvents: the Knative Kafka broker's binary mode (`ce_*` headers, the data as
 * the value, `partitionkey` as the key) or structured mode (application/cloudevents+json).
 */
import { CloudEvent } from 'cloudevents';
import { attributeProblems, isJsonMedia } from './cloudevent-spec';
import { NotJson, parseJsonBytes } from './json-bytes';
import { remembered } from './remembered';

export interface RawRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  readonly timestamp: string;
}

export class PoisonRecord extends Error {}

/** The record as an SDK CloudEvent (the CLI's tail and replay), read by recordEvent: the writer's checks. */
export function toCloudEvent(r: RawRecord): CloudEvent<unknown> {
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(recordEvent(r))) if (v !== undefined) attrs[k] = v;
  return new CloudEvent(attrs as ConstructorParameters<typeof CloudEvent>[0], false);
}

/** An event read straight from a record: its attributes as they arrived, and its data (decoded when JSON). */
export interface RecordEvent {
  readonly type: string;
  readonly subject?: string;
  readonly time?: string;
  readonly data?: unknown;
  readonly [attribute: string]: unknown;
}

/** Whether a reader wants events of this type at all. */
export type TypeFilter = (type: string) => boolean;

/**
 * The Kafka-direct writer's hot path: the same spec checks as everywhere (cloudevent-spec), without
 * the SDK, whose parse, class construction and schema validation cost half the CPU of each record.
 * With `accept`, a record of a type it refuses is undefined: in binary mode decided from the ce_type
 * header alone, before any other header, the data or the attributes are read. A Broker's topic carries every stage's
 * events, and the others' are neither the reader's cost nor its poison (a device's raw payload
 * declared JSON that is not).
 */
export function recordEvent(r: RawRecord): RecordEvent;
export function recordEvent(r: RawRecord, accept: TypeFilter): RecordEvent | undefined;
export function recordEvent(r: RawRecord, accept?: TypeFilter): RecordEvent | undefined {
  return readRecord(r, accept, false)?.event;
}

/** A record read with its JSON data left as bytes: `json` is set, and the event has no data, when a binary record's data is JSON. */
export interface UnparsedRecordEvent {
  readonly event: RecordEvent;
  readonly json?: Buffer;
}

/**
 * recordEvent for a reader that has a faster way to read a binary record's JSON data than JSON.parse
 * (the writer's canonical-lines.ts); it parses with parseRecordData when that way declines.
 */
export function recordEventUnparsed(r: RawRecord, accept: TypeFilter): UnparsedRecordEvent | undefined {
  return readRecord(r, accept, true);
}

/** A binary record's JSON data, parsed as recordEvent parses it (a PoisonRecord when it is not JSON). */
export const parseRecordData = (json: Buffer): unknown => parseJson(json, 'data');

function readRecord(r: RawRecord, accept: TypeFilter | undefined, jsonLater: boolean): UnparsedRecordEvent | undefined {
  const binaryType = accept === undefined ? 'unread' : binaryTypeVerdict(r, accept);
  if (binaryType === 'refused') return undefined;
  // One pass over the headers: the ce_* attributes and the content type, nothing else kept.
  let contentType: string | undefined;
  let attrs: Record<string, unknown> = {};
  for (const key in r.headers) {
    const attribute = attributeOf(key);
    if (attribute === undefined) continue;
    const first = headerText(r.headers[key]);
    if (first === undefined) continue;
    if (attribute === CONTENT_TYPE) contentType = first;
    else attrs[attribute] = first;
  }
  let data: unknown;
  let json: Buffer | undefined;
  if (isStructured(contentType)) {
    if (contentType!.toLowerCase().startsWith('application/cloudevents-batch')) throw new PoisonRecord('batched records are not supported');
    if (r.value === null) throw new PoisonRecord('not a CloudEvent: a structured mode record has no value');
    const doc = parseJson(r.value, 'structured mode value');
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new PoisonRecord('not a CloudEvent: a structured mode value must be a JSON object');
    attrs = doc as Record<string, unknown>;
    if (refused(attrs, accept)) return undefined;
    data = typeof attrs['data_base64'] === 'string' ? Buffer.from(attrs['data_base64'], 'base64') : attrs['data'];
  } else {
    if (attrs['specversion'] === undefined) throw new PoisonRecord('not a CloudEvent: no ce_specversion header and not application/cloudevents+json');
    if (binaryType !== 'accepted' && refused(attrs, accept)) return undefined;
    if (contentType !== undefined) attrs['datacontenttype'] = contentType;
    // An event without data is headers only: its value is null (a tombstone, as the Knative Kafka broker writes it) or empty.
    if (r.value === null || r.value.length === 0) data = undefined;
    else if (!isJsonMedia(contentType)) data = r.value;
    else if (jsonLater) json = r.value;
    else data = parseJson(r.value, 'data');
  }
  const problems = attributeProblems(attrs);
  if (problems.length > 0) throw new PoisonRecord(`invalid CloudEvent: ${problems.join('; ')}`.slice(0, 300));
  attrs['data'] = data;
  if (attrs['data_base64'] !== undefined) attrs['data_base64'] = undefined;
  return json === undefined ? { event: attrs as RecordEvent } : { event: attrs as RecordEvent, json };
}

const CONTENT_TYPE = Symbol('content-type');

/**
 * Each header name's attribute (ce_time → time), the content type, or undefined for any other header, made once per
 * name: lower-casing and slicing eleven names a record, then making property keys of the slices, cost 0.5 µs of
 * the 5 a record of one reading took in the writer.
 */
const attributeOf = remembered(512, (key): string | typeof CONTENT_TYPE | undefined => {
  const name = key.toLowerCase();
  return name === 'content-type' ? CONTENT_TYPE : name.startsWith('ce_') ? name.slice(3) : undefined;
});

/** Structured mode (or a batch of it): the record's value is the whole event. */
const isStructured = (contentType: string | undefined): boolean => contentType?.toLowerCase().startsWith('application/cloudevents') === true;

const headerText = (raw: RawRecord['headers'][string]): string | undefined => {
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
};

/**
 * Whether the reader takes a binary-mode record's ce_type, found by reading that header alone: two of
 * every three records in a Broker's topic are other stages' events, and turning all of their
 * headers into text cost each 1.3 µs of CPU; the type alone costs 0.2 (a wanted record pays 0.3
 * more for the look).
 * A structured record (its content type says so) is decided by the type in its value.
 */
function binaryTypeVerdict(r: RawRecord, accept: TypeFilter): 'accepted' | 'refused' | 'unread' {
  let type: string | undefined;
  for (const key in r.headers) {
    // Only the two names matter, in any case: their lengths pick them out before any copy is made.
    if (key.length === 12 && key.toLowerCase() === 'content-type') {
      if (isStructured(headerText(r.headers[key]))) return 'unread';
    } else if (key.length === 7 && key.toLowerCase() === 'ce_type') type = headerText(r.headers[key]);
  }
  if (type === undefined) return 'unread';
  return accept(type) ? 'accepted' : 'refused';
}

/** A type the reader refuses; a missing or malformed one is left to the attribute checks. */
const refused = (attrs: Record<string, unknown>, accept: TypeFilter | undefined): boolean =>
  accept !== undefined && typeof attrs['type'] === 'string' && !accept(attrs['type']);

function parseJson(value: Buffer, what: string): unknown {
  try {
    return parseJsonBytes(value);
  } catch (err) {
    if (!(err instanceof NotJson)) throw err;
    throw new PoisonRecord(`not a CloudEvent: the ${what} is not JSON${err.detail}`);
  }
}
