/**
 * Whether a name can be stored as it was sent: the field names and tag values InfluxDB or
 * VictoriaMetrics would drop, read as another name, or cut are refused (422, dead-lettered with the
 * reason) rather than written and lost. Used by both paths: event-lines.ts, and Kafka-direct's
 * canonical-lines.ts, which leaves any name it cannot clear at once to the general path.
 */
import { escapeKey } from './line-protocol';

/**
 * Whether InfluxDB keeps the key for itself: it drops a field or refuses a tag so named (1.x), or
 * discards the point (its docs). Compared as strings, which fail on their lengths first: a Set
 * lookup hashed every key of every point on the Kafka-direct fast path.
 */
export const isReservedKey = (k: string): boolean => k === 'time' || k === '_field' || k === '_measurement';

/**
 * Whether a key or tag value holds a backslash line protocol cannot carry: at its end, or before a
 * character the escaping writes after one (`,` ` ` `=` and the escaped newline, return and tab) or
 * before another backslash. There InfluxDB 1.x refuses the line (400), and VictoriaMetrics answers
 * 204 and drops it, or reads another name than InfluxDB does. A backslash before anything else is
 * read as itself by both.
 */
const hasUncarriedBackslash = (s: string): boolean => s.includes('\\') && /\\(?=[\\, =\n\r\t]|$)/.test(s);

/**
 * How long a name may be and still be stored whole. VictoriaMetrics cuts a metric name
 * (`measurement_field`) or a tag value at 16,384 bytes, even inside a character, and answers 204:
 * two readings whose names share those bytes become one series. InfluxDB refuses a line whose key
 * (its series key, `#!~#` and the field name) passes 65,535 bytes.
 */
const NAME_BYTES_MAX = 16_384;
const KEY_BYTES_MAX = 65_535;
/** InfluxDB's separator between the series key and the field name in its key. */
const KEY_SEPARATOR_BYTES = 4;

/** Whether `s` takes more than `max` bytes in UTF-8; counted only when its length allows it (a UTF-16 unit is at most 3 bytes). */
const longerThan = (s: string, max: number): boolean => s.length > max || (s.length * 3 > max && Buffer.byteLength(s) > max);

/**
 * The longest field name and series together that surely fit: the bound `tooLong` checks first (a
 * UTF-16 unit is at most 3 bytes, escaped or not; the series begins with the measurement). A number,
 * so Kafka-direct's fast path compares lengths in its loop.
 */
export const SURELY_FITTING_LENGTH = Math.ceil(NAME_BYTES_MAX / 3) - 1;

/** Whether field name `k` is too long to be stored whole with its measurement and series (NAME_BYTES_MAX, KEY_BYTES_MAX); counted only past the bound. */
function tooLong(k: string, series: string, measurement: () => string): boolean {
  if (k.length + series.length <= SURELY_FITTING_LENGTH) return false;
  return longerThan(k, NAME_BYTES_MAX - 1 - Buffer.byteLength(measurement())) || longerThan(escapeKey(k), KEY_BYTES_MAX - KEY_SEPARATOR_BYTES - Buffer.byteLength(series));
}

/** A name in a reason: its start, quoted (made only for a reason, not for every name checked). */
const shown = (s: string): string => JSON.stringify(s.slice(0, 64));

/** Refused rather than written: VictoriaMetrics would answer 204 and drop the point, so the reading would be lost unseen. */
const backslashProblem = (what: string): string => `${what} has a backslash at its end or before a comma, space, equals sign or backslash, which line protocol cannot carry: the reading needs another name for it`;

/** Why a reading with a reserved field key is refused; for a `time` that is text, what a time must look like (a device's local time without an offset is the usual cause). */
function reservedKeyProblem(key: string, value: unknown): string {
  const reserved = `InfluxDB reserves the field key ${JSON.stringify(key)} and would drop it`;
  if (key !== 'time' || typeof value !== 'string') return `${reserved}: the reading needs another name for it`;
  return `${reserved}: the reading's time ${JSON.stringify(value.slice(0, 40))} is no RFC 3339 time (date, time and Z or an offset such as +02:00; or ts in epoch milliseconds), so it stayed a value`;
}

/** Why field name `k` (its value `value`) cannot be stored as sent in `series`, whose measurement is `measurement()`; undefined when it can. */
export function fieldNameProblem(k: string, value: unknown, series: string, measurement: () => string): string | undefined {
  // Point leaves such a field out, and line protocol has no way to write it: the reading would lose it unseen.
  if (k === '') return 'a field has an empty name, which line protocol cannot carry: the reading needs a name for it';
  // A reading's "time" that is no time stays a value, and is refused here with what a time must look like.
  if (isReservedKey(k)) return reservedKeyProblem(k, value);
  if (hasUncarriedBackslash(k)) return backslashProblem(`the field name ${shown(k)}`);
  // InfluxDB takes one, but VictoriaMetrics reads it as the start of a quoted string, and answers 204 and drops the point.
  if (k.includes('"')) return `the field name ${shown(k)} has a double quote, which VictoriaMetrics cannot read in a name: the reading needs another name for it`;
  if (tooLong(k, series, measurement)) return `the field name ${shown(k)}… is too long to be stored whole (VictoriaMetrics keeps measurement_field to ${NAME_BYTES_MAX} bytes, InfluxDB a series key and field name to ${KEY_BYTES_MAX}): the reading needs a shorter name`;
  return undefined;
}

/** Why the value `v` of tag `k` cannot be stored as sent; undefined when it can. */
export function tagValueProblem(k: string, v: string): string | undefined {
  if (hasUncarriedBackslash(v)) return backslashProblem(`the ${k} tag ${shown(v)}`);
  if (longerThan(v, NAME_BYTES_MAX)) return `the ${k} tag's value is longer than ${NAME_BYTES_MAX} bytes, where VictoriaMetrics cuts it (two values would become one): the reading needs a shorter one`;
  return undefined;
}
