/**
 * One kiot event → the line protocol the writer stores: its readings, or one `kiot_rejected`
 * point for a reject. Shared by the HTTP function and the Kafka-direct consumer; anything that
 * cannot be written is a 422 (dead-lettered).
 */
import { EVENT_TYPES, normalizedProblem, unprocessable, type Normalized, type RecordEvent } from '@kiot/core';
import type { Mapping } from './config';
import { rejectLine, toLines, type Identity } from './points';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Who sent the event: its application and device extensions (a 422 without them) and its channel (the subject). */
export function identityOf(ev: RecordEvent): Identity {
  const application = text(ev['application']);
  const device = text(ev['device']);
  if (application === undefined || device === undefined) throw unprocessable('the event has no application or device extension', 'no identity');
  return { application, device, channel: ev.subject ?? 'telemetry', extensions: ev as unknown as Record<string, unknown> };
}

/** An SDK CloudEvent (HTTP) or a RecordEvent (Kafka-direct): both carry their attributes as properties. */
export function eventLines(ev: RecordEvent, mapping: Mapping, id: Identity = identityOf(ev)): string[] {
  if (ev.type === EVENT_TYPES.rejected) {
    const errors = (ev.data as { errors?: unknown } | undefined)?.errors;
    return [rejectLine(id, ev.time ?? new Date().toISOString(), Array.isArray(errors) ? errors : [], mapping.precision)];
  }
  // Each record's time is parsed once, by timestamp(), which answers a bad one with the same 422.
  const problem = normalizedProblem(ev.data, { times: false });
  if (problem !== undefined) throw unprocessable(`not normalized data: ${problem}`, 'not normalized');
  return toLines(id, ev.data as Normalized, mapping);
}
