/**
 * application/x-www-form-urlencoded, as simple HTTP clients post a reading (`temperature=21.5&door=true`):
 * one reading, each field a number, a boolean or a string, read then as a JSON reading is (json.ts:
 * its own `time`, `timestamp` or `ts`). `curl -d '{"temperature": 21.5}'` sends JSON under this
 * type unless told otherwise: a body that is JSON text is read as JSON. Decoded strictly, where the
 * runtime's qs and URLSearchParams would alter it: percent-escapes that are not UTF-8 and a field given
 * twice are refused (422), not read as U+FFFD or one value dropped.
 */
import { isUtf8 } from 'node:buffer';
import { isPlainObject, nestsDeeperThan, NotJson, parseJsonBytes, startsWithByteOrderMark, TOO_DEEP, unprocessable, type Normalized, type Value } from '@kiot/core';
import { fromJson } from './json';

/** A JSON number as a form writes one; anything else ("0x10", "1e", " 1") stays a string. */
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function typed(v: string): Value {
  if (NUMBER.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return v === 'true' ? true : v === 'false' ? false : v;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw unprocessable('form: a percent-escape that is not UTF-8 or not an escape', 'form: bad escape');
  }
}

/** The fields of a form body; 422 for what would be lost or changed in reading it. */
export function formFields(text: string): Record<string, Value> {
  const fields: Record<string, Value> = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = decoded(at < 0 ? pair : pair.slice(0, at));
    if (key === '') throw unprocessable('form: a field without a name', 'form: no name');
    if (Object.hasOwn(fields, key)) throw unprocessable(`form: the field ${JSON.stringify(key.slice(0, 64))} is given twice; one value would be lost`, 'form: field given twice');
    fields[key] = typed(at < 0 ? '' : decoded(pair.slice(at + 1)));
  }
  if (Object.keys(fields).length === 0) throw unprocessable('form: no fields', 'form: no fields');
  return fields;
}

export function fromForm(data: unknown, eventTime: string, channel: string): Normalized {
  // The runtime kiot builds hands the body on as its bytes (scripts/build.mjs); the stock one parsed it with qs.
  if (isPlainObject(data)) throw unprocessable('form: the body reached the converter parsed, not as its bytes', 'form: parsed');
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(String(data), 'utf8');
  // No form field is named with a bracket: a body that starts with one is JSON, or broken JSON (never one field
  // named `{"t": 1`); so is one after a byte order mark, which is then named (never one field named `\uFEFF{"t": 1}`).
  if (startsAsJson(bytes)) {
    let json: unknown;
    try {
      json = parseJsonBytes(bytes);
    } catch (err) {
      if (!(err instanceof NotJson)) throw err;
      throw unprocessable(`form: the body is JSON that ${err.text}`, `json: ${err.short}`);
    }
    if (nestsDeeperThan(json)) throw unprocessable(`data ${TOO_DEEP}`, 'nested too deep');
    return fromJson(json, eventTime, channel);
  }
  if (!isUtf8(bytes)) throw unprocessable('form: the body is not UTF-8', 'form: not UTF-8');
  return fromJson(formFields(bytes.toString('utf8')), eventTime, channel);
}

/** Whether the first byte after a byte order mark and JSON's whitespace opens an object or an array. */
function startsAsJson(bytes: Buffer): boolean {
  let i = startsWithByteOrderMark(bytes) ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x7b || bytes[i] === 0x5b;
}
