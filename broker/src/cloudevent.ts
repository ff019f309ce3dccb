/**
 * CloudEvents 1.0 as the broker sees them: attributes plus the data bytes, parsed from HTTP in
 * binary or structured mode, checked against the spec, and written out in binary mode (as the
 * Knative Kafka broker dispatches). The data itself is never decoded, so nothing is lost.
 */

import { attributeProblems, binaryAttributes, header, isJsonMedia, nestsDeeperThan, NotJson, parseJsonBytes, type AttributeValue, type BinaryEvent, type Headers } from '@kiot/core';

export type { AttributeValue };

export type BrokerEvent = BinaryEvent;

export class InvalidEvent extends Error {}

/**
 * Structured data nested deeper than this is refused, as Jackson (the Knative Kafka broker's JSON
 * reader) refuses it by default; the sinks keep deeper binary-mode data as bytes. JSON.stringify,
 * which both would need, overflows the stack at about 4,500 levels.
 */
const MAX_JSON_DEPTH = 1000;


/** Parses one HTTP request into an event; throws InvalidEvent naming every problem. */
export function fromHttp(headers: Headers, body: Buffer): BrokerEvent {
  const contentType = header(headers, 'content-type');
  if (contentType?.toLowerCase().startsWith('application/cloudevents-batch')) throw new InvalidEvent('batched mode is not supported: send one event per request');
  if (contentType?.toLowerCase().startsWith('application/cloudevents')) return fromStructured(body);
  if (header(headers, 'ce-specversion') === undefined && header(headers, 'ce-id') === undefined) throw new InvalidEvent('not a CloudEvent: no ce-* headers and not application/cloudevents+json');
  const attrs = binaryAttributes(headers);
  check(attrs);
  return { attributes: attrs, data: body.length > 0 ? body : undefined };
}

function fromStructured(body: Buffer): BrokerEvent {
  let doc: unknown;
  try {
    doc = parseJsonBytes(body);
  } catch (err) {
    if (!(err instanceof NotJson)) throw err;
    throw new InvalidEvent(`structured mode body is not JSON${err.detail}`);
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
    if (nestsDeeperThan(d, MAX_JSON_DEPTH)) throw new InvalidEvent(`data nests deeper than ${MAX_JSON_DEPTH} levels`);
    data = Buffer.from(typeof d === 'string' && !isJsonMedia(attrs['datacontenttype'] as string | undefined) ? d : JSON.stringify(d));
    if (attrs['datacontenttype'] === undefined) attrs['datacontenttype'] = 'application/json';
  }
  return { attributes: attrs, data };
}

function check(attrs: Readonly<Record<string, unknown>>): void {
  const problems = attributeProblems(attrs);
  if (problems.length > 0) throw new InvalidEvent(problems.join('; '));
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
        const data: unknown = parseJsonBytes(event.data);
        // Too deep to write out as JSON: kept as its bytes, like data that is not JSON.
        if (!nestsDeeperThan(data, MAX_JSON_DEPTH)) {
          out['data'] = data;
          return out;
        }
      } catch {
        // not JSON after all: keep the bytes
      }
    }
    out['data_base64'] = event.data.toString('base64');
  }
  return out;
}
