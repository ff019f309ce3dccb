/**
 * Plain JSON readings: an object is one reading, an array of objects one reading each, and a bare
 * value one reading named after the channel (the MQTT convention: topic `temperature`, payload `21.5`). A reading
 * carries its own time in `time` or `timestamp` (an RFC 3339 string) or `ts` (epoch milliseconds,
 * as ThingsBoard devices send it, also in its {"ts", "values"} form); without one it takes the
 * event time. Readings of one time become one record (records.ts).
 */
import { isPlainObject, unprocessable, type Normalized, type Value } from '@kiot/core';
import { RecordsByTime } from './records';
import { eventInstant, millisInstant, rfc3339Instant, type Instant } from './times';

/** The reading's own time, and the key it came from; undefined when it has none. */
function ownTime(reading: Readonly<Record<string, unknown>>): { at: Instant; key: string } | undefined {
  for (const key of ['time', 'timestamp']) {
    const v = reading[key];
    const at = typeof v === 'string' ? rfc3339Instant(v) : undefined;
    if (at !== undefined) return { at, key };
  }
  const ts = reading['ts'];
  // Epoch milliseconds from 2001 on: smaller numbers are more likely seconds or a counter, not a time to guess at.
  if (typeof ts === 'number' && Number.isInteger(ts) && ts >= 1e12 && ts < 1e14) return { at: millisInstant(ts), key: 'ts' };
  return undefined;
}

/** A bare number, boolean or string, as MQTT devices publish a value on a topic named for it (`21.5` on `temperature`). */
const isScalar = (v: unknown): v is number | boolean | string => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';

export function fromJson(data: unknown, eventTime: string, channel = ''): Normalized {
  // A bare value is one reading named after its channel (or `value` without one).
  const bare = isScalar(data) ? [{ [channel || 'value']: data }] : undefined;
  const readings = bare ?? (isPlainObject(data) ? [data] : Array.isArray(data) && data.length > 0 && data.every(isPlainObject) ? data : undefined);
  if (readings === undefined) throw unprocessable('json: a reading is a JSON object, a non-empty array of objects, or a bare number, boolean or string', 'json: not a reading');
  const eventAt = eventInstant(eventTime);
  const records = new RecordsByTime('json');
  readings.forEach((reading: Record<string, unknown>, i) => {
    const own = ownTime(reading);
    // ThingsBoard's own form, {"ts": …, "values": {…}}: the values are the reading.
    const wrapped = own?.key === 'ts' && Object.keys(reading).length === 2 && isPlainObject(reading['values']) ? (reading['values'] as Record<string, unknown>) : undefined;
    const values: Record<string, Value> = {};
    for (const [k, v] of Object.entries(wrapped ?? reading)) if (wrapped !== undefined || k !== own?.key) values[k] = v as Value;
    if (own === undefined) records.add(eventAt, values, i, eventTime);
    else records.add(own.at, values, i);
  });
  return { records: records.records() };
}
