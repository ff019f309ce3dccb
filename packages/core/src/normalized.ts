/**
 * The normalized form every payload is converted to (documented in docs/events.md):
 * { records: [{ time, values }], meta? }. One record per timestamp; values hold numbers,
 * booleans and strings (nested objects allowed, the writer joins their keys with ".").
 */
import { nestsDeeperThan, TOO_DEEP } from './nesting';

export type Value = number | boolean | string | { readonly [key: string]: Value } | readonly Value[];

export interface NormalizedRecord {
  /** RFC 3339 time of the reading: from the payload where it carries one, else the event time. */
  time: string;
  values: Record<string, Value>;
}

export interface Normalized {
  records: NormalizedRecord[];
  /** Envelope metadata kept from the dialect (for example LoRaWAN f_port, RSSI). */
  meta?: Record<string, Value>;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/**
 * Narrows converted data to the normalized form; returns a reason when it is not. `times: false`
 * leaves the record times unparsed, for a caller that parses each one anyway (the writer) and
 * answers a bad one the same way.
 */
export function normalizedProblem(data: unknown, { times = true }: { readonly times?: boolean } = {}): string | undefined {
  if (!isPlainObject(data)) return 'data is not an object';
  const records = data['records'];
  if (!Array.isArray(records) || records.length === 0) return 'records must be a non-empty array';
  for (let i = 0; i < records.length; i++) {
    const r: unknown = records[i];
    if (!isPlainObject(r)) return `records[${i}] is not an object`;
    if (typeof r['time'] !== 'string' || (times && Number.isNaN(Date.parse(r['time'])))) return `records[${i}].time is not an RFC 3339 time`;
    if (!isPlainObject(r['values'])) return `records[${i}].values is not an object`;
  }
  // Last: it walks every value, and the writer and the validator walk them again once this holds.
  if (nestsDeeperThan(data)) return `data ${TOO_DEEP}`;
  return undefined;
}
