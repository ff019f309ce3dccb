/**
 * What marks a record as a dead letter: the Broker's knativeerror* extensions (knativeerrordest,
 * knativeerrorcode, knativeerrordata) and `reason` (its copy of the kne-reason header kiot's functions
 * answer a refusal with), as binary-mode ce_ headers or inside a structured value, and the Kafka-direct
 * writer's kiot_reason and kiot_source headers. No kiot event has a `reason` attribute of its own. A replay hands the original event on
 * as a new delivery: carried along, the marks would describe a failure that is over, and a stage that
 * takes dead letters (the light overlay's influx-writer) would take the event for one again.
 */
import { CloudEvent } from 'cloudevents';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { nestsDeeperThan } from '@kiot/core';

export function isDeadLetterMark(name: string): boolean {
  const n = name.toLowerCase();
  const attribute = n.startsWith('ce_') ? n.slice(3) : n;
  return attribute.startsWith('knativeerror') || attribute === 'reason' || n === 'kiot_reason' || n === 'kiot_source';
}

/** The event without the marks; `withData: false` leaves its data out too (a caller that sends the bytes it came as). */
export function unmarkedEvent(ev: CloudEvent<unknown>, { withData = true }: { readonly withData?: boolean } = {}): CloudEvent<unknown> {
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) if (v !== undefined && !isDeadLetterMark(k) && (withData || (k !== 'data' && k !== 'data_base64'))) attrs[k] = v;
  return new CloudEvent(attrs as ConstructorParameters<typeof CloudEvent>[0], false);
}

/** Whether a record is in structured content mode (the event, data and all, is its JSON value). */
export function isStructuredRecord(m: KafkaMessage): boolean {
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (k.toLowerCase() === 'content-type' && String(first).toLowerCase().startsWith('application/cloudevents+json')) return true;
  }
  return false;
}

/**
 * The record without the marks, in its own content mode; byte for byte when it carries none.
 * Undefined for a structured record whose data nests too deep to write out again without them.
 */
export function unmarkedRecord(m: KafkaMessage): { key: Buffer | null; value: Buffer | null; headers: IHeaders } | undefined {
  const headers: IHeaders = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (!isDeadLetterMark(k)) headers[k] = v;
  const value = isStructuredRecord(m) && m.value !== null ? unmarkedValue(m.value) : m.value;
  return value === undefined ? undefined : { key: m.key, value, headers };
}

function unmarkedValue(value: Buffer): Buffer | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch {
    return value;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return value;
  const marks = Object.keys(doc).filter(isDeadLetterMark);
  if (marks.length === 0) return value;
  if (nestsDeeperThan(doc)) return undefined;
  for (const k of marks) delete (doc as Record<string, unknown>)[k];
  return Buffer.from(JSON.stringify(doc));
}
