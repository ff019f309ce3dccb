/**
 * Normalized readings → InfluxDB line protocol, one point per record. Field types are pinned:
 * numbers are floats unless declared integer, booleans and strings keep their type.
 */
import { Point } from '@influxdata/influxdb-client';
import { unprocessable, type KiotError, type Normalized, type Value } from '@kiot/core';
import type { Mapping, Precision } from './config';

export interface Identity {
  readonly application: string;
  readonly device: string;
  readonly channel: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

const bad = (message: string): KiotError => unprocessable(message);

/** Every numeric, boolean and string leaf, nested keys joined with '.'. */
export function leaves(values: Readonly<Record<string, Value>>, prefix = '', out: Record<string, number | boolean | string> = {}): Record<string, number | boolean | string> {
  for (const [k, v] of Object.entries(values)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[key] = v;
    else if (Array.isArray(v)) leaves(Object.fromEntries(v.map((x, i) => [String(i), x])), key, out);
    else if (v !== null && typeof v === 'object') leaves(v as Record<string, Value>, key, out);
  }
  return out;
}

export function timestamp(iso: string, precision: Precision): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw bad(`record time ${JSON.stringify(iso.slice(0, 40))} is not a time`);
  // Milliseconds (the default) need no sub-millisecond digits: skip the BigInt arithmetic.
  if (precision === 'ms' && ms >= 0) return String(ms);
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const nanosWithinMs = BigInt((frac.slice(3, 9) + '000000').slice(0, 6));
  const ns = BigInt(ms) * 1_000_000n + nanosWithinMs;
  const div = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n }[precision];
  return (ns / div).toString();
}

export function measurementFor(id: Identity, mapping: Mapping): string {
  return mapping.measurements[`${id.application}/${id.channel}`] ?? mapping.measurements[id.channel] ?? id.channel;
}

export function toLines(id: Identity, data: Normalized, mapping: Mapping): string[] {
  const measurement = measurementFor(id, mapping);
  return data.records.map((record) => {
    const p = new Point(measurement).tag('application', id.application).tag('device', id.device).tag('channel', id.channel);
    for (const t of mapping.tags) {
      const v = data.meta?.[t] ?? id.extensions[t];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') p.tag(t, String(v));
    }
    const all = leaves(record.values);
    const chosen = mapping.fields.length > 0 ? Object.fromEntries(mapping.fields.filter((f) => f in all).map((f) => [f, all[f]!])) : all;
    let count = 0;
    for (const [k, v] of Object.entries(chosen)) {
      count++;
      if (typeof v === 'boolean') p.booleanField(k, v);
      else if (typeof v === 'string') p.stringField(k, v);
      else if (!Number.isFinite(v)) throw bad(`field ${k} is not a finite number`);
      else if (mapping.integerFields.includes(k)) {
        if (!Number.isInteger(v)) throw bad(`field ${k} is declared integer but is ${v}`);
        p.intField(k, v);
      } else p.floatField(k, v);
    }
    if (count === 0) throw bad('the record has no fields to write');
    p.timestamp(timestamp(record.time, mapping.precision));
    const line = p.toLineProtocol();
    if (line === undefined) throw bad('the record cannot be written as line protocol');
    return line;
  });
}

/** A rejected event becomes one point in `kiot_rejected`, so dashboards can count rejects per device. */
export function rejectLine(id: Identity, time: string, errors: readonly { instancePath?: unknown; message?: unknown }[], precision: Precision): string {
  const reason = errors.map((e) => `${String(e.instancePath ?? '') || '/'} ${String(e.message ?? '')}`).join('; ').slice(0, 500);
  const p = new Point('kiot_rejected').tag('application', id.application).tag('device', id.device).tag('channel', id.channel).intField('errors', Math.max(1, errors.length)).stringField('reason', reason);
  p.timestamp(timestamp(time, precision));
  return p.toLineProtocol()!;
}

/**
 * A dead-lettered event (it carries the broker's knativeerror* extensions) becomes one point in
 * `kiot_dead_letters`, so operators of a cluster without Kafka can read dead letters in InfluxDB.
 */
export function deadLetterLine(id: Identity, type: string, time: string, attrs: Readonly<Record<string, unknown>>, data: unknown, precision: Precision): string {
  const code = Number(attrs['knativeerrorcode']);
  const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));
  const p = new Point('kiot_dead_letters').tag('application', id.application || 'unknown').tag('device', id.device || 'unknown').tag('channel', id.channel).tag('type', type)
    .intField('code', Number.isInteger(code) ? code : 0)
    .stringField('reason', text(attrs['reason'] ?? '').slice(0, 500))
    .stringField('dest', text(attrs['knativeerrordest'] ?? '').slice(0, 500))
    .stringField('data', text(data).slice(0, 1024));
  p.timestamp(timestamp(time, precision));
  return p.toLineProtocol()!;
}
