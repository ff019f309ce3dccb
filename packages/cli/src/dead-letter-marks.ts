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

export function isDeadLetterMark(name: string): boolean {
  const n = name.toLowerCase();
  const attribute = n.startsWith('ce_') ? n.slice(3) : n;
  return attribute.startsWith('knativeerror') || attribute === 'reason' || n === 'kiot_reason' || n === 'kiot_source';
}

/** The event without the marks. */
export function unmarkedEvent(ev: CloudEvent<unknown>): CloudEvent<unknown> {
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) if (v !== undefined && !isDeadLetterMark(k)) attrs[k] = v;
  return new CloudEvent(attrs as ConstructorParameters<typeof CloudEvent>[0], false);
}

/** The record without the marks, in its own content mode; byte for byte when it carries none. */
export function unmarkedRecord(m: KafkaMessage): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  const headers: IHeaders = {};
  let structured = false;
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (isDeadLetterMark(k)) continue;
    headers[k] = v;
    const first = Array.isArray(v) ? v[0] : v;
    if (k.toLowerCase() === 'content-type' && String(first).toLowerCase().startsWith('application/cloudevents+json')) structured = true;
  }
  return { key: m.key, value: structured && m.value !== null ? unmarkedValue(m.value) : m.value, headers };
}

function unmarkedValue(value: Buffer): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch {
    return value;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return value;
  const marks = Object.keys(doc).filter(isDeadLetterMark);
  if (marks.length === 0) return value;
  for (const k of marks) delete (doc as Record<string, unknown>)[k];
  return Buffer.from(JSON.stringify(doc));
}
