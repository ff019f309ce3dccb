/**
 * A reading's time as its payload gives it, to the nanosecond: readings a few microseconds apart
 * (SenML from a sensor sampling at kHz rates) stay apart, and the writer keeps as many digits as
 * INFLUX_PRECISION asks for. Date keeps milliseconds only, so the digits below are carried beside it.
 */

import { canonicalUtc, nanosBelowMillis } from '@kiot/core';

export interface Instant {
  /** Epoch milliseconds: the millisecond the time falls in (floor), as Date.parse reads it. */
  readonly ms: number;
  /** Nanoseconds within that millisecond, 0 to 999,999. */
  readonly nanos: number;
  /** Its canonical text, when the time came in it: kept rather than written again. */
  readonly text?: string;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|[+-]\d{2}:\d{2})$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysIn = (year: number, month: number): number => (month === 2 && leap(year) ? 29 : DAYS[month - 1]!);

/**
 * An RFC 3339 time, undefined when it is not one. Date.parse alone is not enough: it reads
 * 2026-02-30 as March 2 and 24:00 as the next day, which would file a device's reading at a time it never gave.
 */
export function rfc3339Instant(text: string): Instant | undefined {
  // Nearly every time comes as toISOString writes it: read digit by digit (core utc-time.ts), its day checked against its month.
  const ms = canonicalUtc(text);
  if (ms !== undefined) {
    const day = Number(text.slice(8, 10));
    if (day > 28 && day > daysIn(Number(text.slice(0, 4)), Number(text.slice(5, 7)))) return undefined;
    const fraction = text.charCodeAt(19) === DOT ? text.slice(20, -1) : '';
    return { ms, nanos: nanosBelowMillis(fraction), ...(fraction.length === 3 ? { text } : {}) };
  }
  return fullRfc3339(text);
}


const DOT = 0x2e;

/** Any RFC 3339 form: offsets, a lower-case t or z, a space. */
function fullRfc3339(text: string): Instant | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  return { ms, nanos: nanosBelowMillis(m[7] ?? '') };
}

/** Epoch seconds (SenML's times), to the microsecond: a double holds no finer digits for times of this century. */
export function secondsInstant(seconds: number): Instant {
  const micros = Math.round(seconds * 1e6);
  const ms = Math.floor(micros / 1000);
  return { ms, nanos: (micros - ms * 1000) * 1000 };
}

export const millisInstant = (ms: number): Instant => ({ ms, nanos: 0 });

const FIRST_MS = Date.parse('0000-01-01T00:00:00Z');
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Whether the time has an RFC 3339 form, years 0000 to 9999: toISOString writes later ones as +012345-… and throws past ±275,760. */
export const inRfc3339Years = (t: Instant): boolean => t.ms >= FIRST_MS && t.ms <= LAST_MS;

/** The event's time (the CloudEvent's, checked as RFC 3339 on arrival), which readings without their own take. */
export const eventInstant = (eventTime: string): Instant => rfc3339Instant(eventTime) ?? millisInstant(Date.parse(eventTime));

/** Epoch seconds, as SenML counts relative times from. */
export const instantSeconds = (t: Instant): number => t.ms / 1000 + t.nanos / 1e9;

/** The canonical UTC text: toISOString's form, with 6 or 9 fraction digits when the time has digits below the millisecond. */
export function instantText(t: Instant): string {
  if (t.text !== undefined) return t.text;
  const iso = new Date(t.ms).toISOString();
  if (t.nanos === 0) return iso;
  const below = String(t.nanos).padStart(6, '0');
  return `${iso.slice(0, -1)}${below.endsWith('000') ? below.slice(0, 3) : below}Z`;
}

export const compareInstants = (a: Instant, b: Instant): number => a.ms - b.ms || a.nanos - b.nanos;
