/**
 * The grammar of an answer's head (RFC 9112): its status line and header lines, and the framing
 * values read from them (Content-Length, a chunk's size line). The reader (answers.ts) says where
 * these are; this file says whether they are well-formed.
 */

import { TOKEN } from './request';

/** The bytes are not an HTTP/1.1 answer, or one past the limits: the connection cannot be read further. */
export class AnswerError extends Error {}

export interface Head {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly close: boolean;
}

const DIGIT = /^\d{3}$/;

/** The status line and the headers, read by hand: split and a regex per line cost about a microsecond an answer. */
export function readHead(text: string): Head {
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const minor = text.charCodeAt(7);
  const code = text.slice(9, 12);
  if (!text.startsWith('HTTP/1.') || (minor !== 48 && minor !== 49) || text.charCodeAt(8) !== 32 || !DIGIT.test(code) || code[0] === '0' || (eol > 12 && text.charCodeAt(12) !== 32)) {
    throw new AnswerError(`not an HTTP/1.x status line: ${JSON.stringify(text.slice(0, Math.min(eol, 40)))}`);
  }
  const headers: Record<string, string> = {};
  for (let at = eol + 2; at < text.length; ) {
    let next = text.indexOf('\r\n', at);
    if (next < 0) next = text.length;
    const colon = text.indexOf(':', at);
    // A folded line (RFC 9112 §5.2 obsoletes it) or a name with spaces is refused, not guessed at.
    const name = colon > at && colon < next ? text.slice(at, colon) : '';
    if (!TOKEN.test(name)) throw new AnswerError(`a malformed header line: ${JSON.stringify(text.slice(at, Math.min(next, at + 40)))}`);
    const key = name.toLowerCase();
    const value = text.slice(colon + 1, next).trim();
    const had = headers[key];
    headers[key] = had === undefined ? value : `${had}, ${value}`;
    at = next + 2;
  }
  const connection = headers['connection']?.toLowerCase();
  // HTTP/1.0 closes unless it says keep-alive; 1.1 keeps the connection unless it says close.
  const close = minor === 48 ? connection === undefined || !/(?:^|,)\s*keep-alive\s*(?:,|$)/.test(connection) : connection !== undefined && /(?:^|,)\s*close\s*(?:,|$)/.test(connection);
  return { status: Number(code), headers, close };
}

/** A Content-Length, repeated values included ("5, 5"), as RFC 9110 §8.6 allows them only when equal. */
export function contentLength(value: string): number {
  const values = value.split(',').map((v) => v.trim());
  if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) throw new AnswerError(`an invalid Content-Length: ${JSON.stringify(value.slice(0, 40))}`);
  return Number(values[0]);
}

/** A chunk's size line: hex digits, then any extensions after ';', which are ignored. */
export function chunkSize(line: string): number {
  const semi = line.indexOf(';');
  const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
  if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new AnswerError(`an invalid chunk size: ${JSON.stringify(line.slice(0, 40))}`);
  return parseInt(hex, 16);
}
