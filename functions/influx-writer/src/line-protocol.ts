/**
 * InfluxDB line protocol, character for character as @influxdata/influxdb-client's Point writes it
 * (tags and fields sorted by key, the same escaping, empty tag values left out), without a Point
 * object per record: at Kafka-direct rates those objects and their sorts were a third of the
 * consumer's CPU, most of it garbage collection. The tests hold this module equal to Point, but for
 * a newline in a string value (escapeQuoted).
 */

type Escaper = (s: string) => string;

function escaper(chars: string, escaped: readonly string[]): Escaper {
  const special = new RegExp(`[${chars.replace(/[\\\]^-]/g, '\\$&')}]`);
  const all = new RegExp(special.source, 'g');
  const map = new Map([...chars].map((c, i) => [c, escaped[i]!]));
  // Most names need no escaping: test first, so they are returned without a copy.
  return (s) => (special.test(s) ? s.replace(all, (c) => map.get(c)!) : s);
}

export const escapeMeasurement = escaper(', \n\r\t', ['\\,', '\\ ', '\\n', '\\r', '\\t']);
/** Tag keys, tag values and field keys. */
export const escapeKey = escaper(', =\n\r\t', ['\\,', '\\ ', '\\=', '\\n', '\\r', '\\t']);
/**
 * String field values. A newline or carriage return is written as `\n` or `\r`, as in keys: InfluxDB's
 * docs say line protocol does not support one in a field value, and VictoriaMetrics ends the line at it,
 * so a device's string `x⏎other,device=victim t=-100` wrote a point into another device's series.
 * Point writes them raw (the one place this module differs from it).
 */
const escapeQuoted = escaper('"\\\n\r', ['\\"', '\\\\', '\\n', '\\r']);

/** A string field value. */
export const quoted = (s: string): string => `"${escapeQuoted(s)}"`;

export const booleanValue = (v: boolean): string => (v ? 'T' : 'F');

/** Line protocol integers are signed 64-bit; a number at or past that is not one. */
const INT_LIMIT = 9223372036854776e3;
export function integerValue(v: number): string | undefined {
  return Number.isInteger(v) && v > -INT_LIMIT && v < INT_LIMIT ? `${v}i` : undefined;
}

/** Finite numbers only: line protocol has no NaN or Infinity. */
export const floatValue = (v: number): string | undefined => (Number.isFinite(v) ? String(v) : undefined);

/** `measurement,k=v,…`: the series part, shared by every record of one event. Tags with an empty key or value are left out. */
export function seriesKey(measurement: string, tags: Readonly<Record<string, string>>): string {
  let out = escapeMeasurement(measurement);
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k]!;
    if (k !== '' && v !== '') out += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  return out;
}

/**
 * `k=v,…` sorted by key (`keys` is sorted in place), each value formatted by `value`; a key whose
 * value is undefined is left out (an empty key `value` refuses: names.ts). '' when none is left.
 */
export function fieldSet(keys: string[], value: (key: string) => string | undefined): string {
  if (keys.length > 1) keys.sort();
  let out = '';
  for (const k of keys) {
    const v = value(k);
    if (v !== undefined) out += `${out === '' ? '' : ','}${escapeKey(k)}=${v}`;
  }
  return out;
}
