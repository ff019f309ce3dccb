/**
 * JSON bytes as RFC 8259 §8.1 has them exchanged: UTF-8, without a byte order mark. Buffer's
 * toString turns bytes that are not UTF-8 into U+FFFD and JSON.parse takes the result, so a device
 * writing Latin-1 had `{"status": "défaut"}` stored as "d\uFFFDfaut" without a word. Every stage
 * that reads JSON bytes reads them here, and refuses such data naming why (docs/events.md).
 */
import { isUtf8 } from 'node:buffer';

/** Why bytes are no JSON: `short` for a dead letter's reason, `text` to finish "the body is declared JSON but …". */
export class NotJson extends Error {
  constructor(readonly short: string, readonly text: string) {
    super(text);
  }

  /** ": it is not UTF-8, …" to follow "… is not JSON"; nothing when it merely does not parse. */
  get detail(): string {
    return this === NO_PARSE ? '' : `: it ${this.text}`;
  }
}

const NOT_UTF8 = new NotJson('not UTF-8', 'is not UTF-8, which JSON must be (RFC 8259 §8.1)');
const BYTE_ORDER_MARK = new NotJson('byte order mark', 'starts with a byte order mark, which JSON sent over a network must not (RFC 8259 §8.1)');
const NO_PARSE = new NotJson('does not parse', 'does not parse');

/** Whether the bytes start with UTF-8's byte order mark (EF BB BF). */
export function startsWithByteOrderMark(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** What keeps bytes from being read as JSON text before they are parsed: undefined when nothing does. */
export function jsonBytesProblem(bytes: Uint8Array): NotJson | undefined {
  if (startsWithByteOrderMark(bytes)) return BYTE_ORDER_MARK;
  return isUtf8(bytes) ? undefined : NOT_UTF8;
}

/** The bytes as a JSON value; a NotJson saying why they are none. */
export function parseJsonBytes(bytes: Buffer): unknown {
  const problem = jsonBytesProblem(bytes);
  if (problem !== undefined) throw problem;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw NO_PARSE;
  }
}

/** What bytes sent without a content type are: JSON (its value), or JSON but for a byte order mark (the mark, to be named). */
export type SniffedJson = { readonly value: unknown } | { readonly mark: NotJson };

/**
 * Bytes sent without a content type, read as JSON when they are (parsed once: the caller holds the value
 * to what it holds declared JSON to); JSON after a byte order mark is JSON too, so that the stage reading
 * it names the mark instead of calling it text or bytes. Undefined when they are no JSON.
 */
export function sniffedJson(bytes: Buffer): SniffedJson | undefined {
  const problem = jsonBytesProblem(bytes);
  if (problem === NOT_UTF8) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', problem === BYTE_ORDER_MARK ? 3 : 0));
  } catch {
    return undefined;
  }
  return problem === BYTE_ORDER_MARK ? { mark: BYTE_ORDER_MARK } : { value };
}
