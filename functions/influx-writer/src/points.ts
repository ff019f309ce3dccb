/**
 * Normalized readings → InfluxDB line protocol, one point per record. Field types are pinned:
 * numbers are floats unless declared integer, booleans and strings keep their type.
 */
import { nanosBelowMillis, nestsDeeperThan, TOO_DEEP, unprocessable, type KiotError, type Normalized, type Value } from '@kiot/core';
import type { Mapping, Precision } from './config';
import { booleanValue, fieldSet, floatValue, integerValue, quoted, seriesKey } from './line-protocol';
import { fieldNameProblem, tagValueProblem } from './names';
import { millisText, recordMillis } from './record-time';

export interface Identity {
  readonly application: string;
  readonly device: string;
  readonly channel: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

const bad = (message: string): KiotError => unprocessable(message);

/**
 * Every numeric, boolean and string leaf, nested keys joined with '.'. Two leaves that join to one
 * name ({"a.b": 1, "a": {"b": 2}}) would be one field, one value lost: refused (422).
 */
export function leaves(values: Readonly<Record<string, Value>>, prefix = '', out: Record<string, number | boolean | string> = {}): Record<string, number | boolean | string> {
  for (const [k, v] of Object.entries(values)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') {
      if (key in out) throw bad(`two values make the field ${JSON.stringify(key.slice(0, 64))}; one would be lost`);
      out[key] = v;
    } else if (Array.isArray(v)) leaves(Object.fromEntries(v.map((x, i) => [String(i), x])), key, out);
    else if (v !== null && typeof v === 'object') leaves(v as Record<string, Value>, key, out);
  }
  return out;
}

export function timestamp(iso: string, precision: Precision): string {
  const ms = recordMillis(iso);
  if (Number.isNaN(ms)) throw bad(`record time ${JSON.stringify(iso.slice(0, 40))} is not a time`);
  // Milliseconds (the default) need no sub-millisecond digits: skip the BigInt arithmetic.
  if (precision === 'ms' && ms >= 0) return millisText(ms);
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const nanosWithinMs = BigInt(nanosBelowMillis(frac));
  const ns = BigInt(ms) * 1_000_000n + nanosWithinMs;
  const div = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n }[precision];
  // Floor, not BigInt's truncation toward zero: before 1970, 23:59:59.5 is in the second 23:59:59 (-1), not in 1970's first (0).
  const q = ns / div;
  return (ns < 0n && q * div !== ns ? q - 1n : q).toString();
}

export function measurementFor(id: Identity, mapping: Mapping): string {
  return mapping.measurements[`${id.application}/${id.channel}`] ?? mapping.measurements[id.channel] ?? id.channel;
}

const identityTags = (id: Identity): Record<string, string> => ({ application: id.application, device: id.device, channel: id.channel });

/** The event's tags: its identity, then configured ones from the data's meta or the event's extensions. */
function tagsFor(id: Identity, meta: Normalized['meta'], mapping: Mapping): Record<string, string> {
  const tags = identityTags(id);
  for (const t of mapping.tags) {
    const v = meta?.[t] ?? id.extensions[t];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') tags[t] = String(v);
  }
  for (const [k, v] of Object.entries(tags)) {
    const problem = tagValueProblem(k, v);
    if (problem !== undefined) throw bad(problem);
  }
  return tags;
}

function formatField(k: string, v: number | boolean | string, mapping: Mapping): string {
  if (typeof v === 'boolean') return booleanValue(v);
  if (typeof v === 'string') return quoted(v);
  if (mapping.integerFields.includes(k)) return integerValue(v) ?? fail(`field ${k} is declared integer but is ${v}`);
  return floatValue(v) ?? fail(`field ${k} is not a finite number`);
}

const fail = (message: string): never => {
  throw bad(message);
};

/** The record's fields to write: its leaves, or only the configured ones. */
function chosenFields(values: Readonly<Record<string, Value>>, mapping: Mapping): Readonly<Record<string, Value>> {
  if (mapping.fields.length === 0) {
    // Most records are flat: their values are already their leaves, so no copy is made.
    let flat = true;
    for (const k in values) if (typeof values[k] === 'object' && values[k] !== null) { flat = false; break; }
    if (flat) return values;
    return leaves(values);
  }
  const all = leaves(values);
  return Object.fromEntries(mapping.fields.filter((f) => f in all).map((f) => [f, all[f]!]));
}

/**
 * Series already formatted, by mapping, for events whose tags are their identity alone (no meta, no configured
 * tags): at one reading per Kafka record, formatting the same few series over and over cost 0.5 µs of the
 * 4.5 a record took. Bounded, and started over when full: the identities come from the records.
 */
const SERIES = new WeakMap<Mapping, Map<string, string>>();
const SERIES_MAX = 10_000;

/** `measurement,tags`: every record of an event is one series, so this is formatted once per event. */
export function seriesOf(id: Identity, meta: Normalized['meta'], mapping: Mapping): string {
  if (meta !== undefined || mapping.tags.length > 0) return seriesKey(measurementFor(id, mapping), tagsFor(id, meta, mapping));
  let known = SERIES.get(mapping);
  if (known === undefined) SERIES.set(mapping, (known = new Map()));
  // Lengths first, so no two identities make one key whatever their characters.
  const key = `${id.application.length}:${id.device.length}:${id.application}${id.device}${id.channel}`;
  let series = known.get(key);
  if (series === undefined) {
    series = seriesKey(measurementFor(id, mapping), tagsFor(id, meta, mapping));
    if (known.size >= SERIES_MAX) known.clear();
    known.set(key, series);
  }
  return series;
}

export function toLines(id: Identity, data: Normalized, mapping: Mapping): string[] {
  const series = seriesOf(id, data.meta, mapping);
  const measurement = (): string => measurementFor(id, mapping);
  // InfluxDB keeps one point per series and timestamp: records of an event that land on one timestamp
  // at this precision merge there. The converter writes one record per time, oldest first, so timestamps
  // that rise throughout need no more; any other order has the records' fields compared.
  let previous = '';
  let rising = true;
  const lines = data.records.map((record) => {
    const at = timestamp(record.time, mapping.precision);
    if (rising && previous !== '') rising = later(at, previous);
    previous = at;
    const chosen = chosenFields(record.values, mapping);
    const fields = fieldSet(Object.keys(chosen), (k) => {
      const value = fieldValue(k, chosen[k], mapping);
      if (value === undefined) return undefined;
      // Dead-lettered with its reason rather than written and silently dropped.
      const problem = fieldNameProblem(k, chosen[k], series, measurement);
      if (problem !== undefined) throw bad(problem);
      return value;
    });
    if (fields === '') throw bad('the record has no fields to write');
    return `${series} ${fields} ${at}`;
  });
  if (!rising) refuseOverwrites(data.records, mapping);
  return lines;
}

/** Whether timestamp a is after b, both whole numbers of one precision as written; false for times before 1970, which then get the full comparison. */
const later = (a: string, b: string): boolean => a[0] !== '-' && b[0] !== '-' && (a.length !== b.length ? a.length > b.length : a > b);

const fieldValue = (k: string, v: Value | undefined, mapping: Mapping): string | undefined =>
  typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? formatField(k, v, mapping) : undefined;

/** Refuses (422) records on one timestamp that give one field different values: InfluxDB would keep the last. Fields that differ, or agree, merge. */
function refuseOverwrites(records: Normalized['records'], mapping: Mapping): void {
  const written = new Map<string, Map<string, { value: string; record: number }>>();
  records.forEach((record, r) => {
    const at = timestamp(record.time, mapping.precision);
    let fields = written.get(at);
    if (fields === undefined) written.set(at, (fields = new Map()));
    const chosen = chosenFields(record.values, mapping);
    for (const k of Object.keys(chosen)) {
      const value = fieldValue(k, chosen[k], mapping);
      if (value === undefined) continue;
      const earlier = fields.get(k);
      if (earlier === undefined) fields.set(k, { value, record: r });
      else if (earlier.value !== value) {
        throw bad(`records ${earlier.record} and ${r} both give ${JSON.stringify(k.slice(0, 64))} at ${at} (INFLUX_PRECISION=${mapping.precision}): InfluxDB would keep only one; a finer precision keeps both`);
      }
    }
  });
}

/** `fieldSet` over an object of values already formatted. */
const formattedFields = (formatted: Readonly<Record<string, string>>): string => fieldSet(Object.keys(formatted), (k) => formatted[k]);

/** A rejected event becomes one point in `kiot_rejected`, so dashboards can count rejects per device. */
export function rejectLine(id: Identity, time: string, errors: readonly { instancePath?: unknown; message?: unknown }[], precision: Precision): string {
  const reason = errors.map((e) => `${String(e.instancePath ?? '') || '/'} ${String(e.message ?? '')}`).join('; ').slice(0, 500);
  const fields = formattedFields({ errors: integerValue(Math.max(1, errors.length))!, reason: quoted(reason) });
  return `${seriesKey('kiot_rejected', identityTags(id))} ${fields} ${timestamp(time, precision)}`;
}

/**
 * A dead-lettered event (it carries the broker's knativeerror* extensions) becomes one point in
 * `kiot_dead_letters`, so operators of a cluster without Kafka can read dead letters in InfluxDB.
 */
export function deadLetterLine(id: Identity, type: string, time: string, attrs: Readonly<Record<string, unknown>>, data: unknown, precision: Precision): string {
  const code = Number(attrs['knativeerrorcode']);
  // Data too deep for JSON.stringify is why some events are dead letters: it is named, not written out.
  const text = (v: unknown): string => (typeof v === 'string' ? v : nestsDeeperThan(v) ? `(data ${TOO_DEEP})` : JSON.stringify(v ?? null));
  const series = seriesKey('kiot_dead_letters', { application: id.application || 'unknown', device: id.device || 'unknown', channel: id.channel, type });
  const fields = formattedFields({
    code: integerValue(Number.isInteger(code) ? code : 0) ?? '0i',
    reason: quoted(text(attrs['reason'] ?? '').slice(0, 500)),
    dest: quoted(text(attrs['knativeerrordest'] ?? '').slice(0, 500)),
    data: quoted(text(data).slice(0, 1024)),
  });
  return `${series} ${fields} ${timestamp(time, precision)}`;
}
