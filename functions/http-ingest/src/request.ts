/** The parts of an HTTP request the ingest logic needs, checked before any dialect sees them. */
import { gunzipSync, inflateSync } from 'node:zlib';
import { KiotError, nestsDeeperThan, NotJson, parseJsonBytes, TOO_DEEP } from '@kiot/core';

export interface IngestRequest {
  readonly method: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** Lower-case media type without parameters; '' when the request had none. */
  readonly mediaType: string;
  /** The content-type header as sent. */
  readonly contentType: string | undefined;
  /** Remote address, for logs and per-address limits. */
  readonly remote: string;
}

/** Query keys kiot reads. faas-js-runtime copies every query key onto its context (`?body=` would replace the payload), so nothing else is let through. */
export const QUERY_KEYS = ['channel', 'application', 'as', 'dataschema', 'dialect', 'event'] as const;

export function checkQuery(query: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (!(QUERY_KEYS as readonly string[]).includes(k)) throw new KiotError('BAD_REQUEST', `query parameter ${JSON.stringify(k.slice(0, 40))} is not allowed; allowed: ${QUERY_KEYS.join(', ')}`);
    if (typeof v !== 'string') throw new KiotError('BAD_REQUEST', `query parameter ${k} must be given once, as text`);
    out[k] = v;
  }
  return out;
}

export const CHANNEL = /^[A-Za-z0-9][-A-Za-z0-9_.]{0,127}$/;

export function channelOf(query: Readonly<Record<string, string>>, fallback: string): string {
  const channel = query['channel'] ?? fallback;
  if (!CHANNEL.test(channel)) throw new KiotError('BAD_REQUEST', 'channel must be 1-128 letters, digits, dot, dash or underscore');
  return channel;
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export const isJsonMediaType = (t: string): boolean => t === 'application/json' || /^application\/[-.\w]+\+json$/.test(t);

/**
 * Parses a body that must be JSON; a body that does not parse, is not UTF-8 (core json-bytes.ts) or
 * nests past what any stage reads is the sender's mistake (400).
 */
export function parseJson(body: Buffer, what: string): unknown {
  let doc: unknown;
  try {
    doc = parseJsonBytes(body);
  } catch (err) {
    if (!(err instanceof NotJson)) throw err;
    throw new KiotError('BAD_REQUEST', `${what}: the body is declared JSON but ${err.text}`);
  }
  return nestingChecked(doc, what);
}

/** A parsed body, refused (400) when it nests deeper than any stage reads (core nesting.ts). */
export function nestingChecked(doc: unknown, what: string): unknown {
  if (nestsDeeperThan(doc)) throw new KiotError('BAD_REQUEST', `${what}: the body ${TOO_DEEP}`);
  return doc;
}

const DECODERS: Readonly<Record<string, (b: Buffer, o: { maxOutputLength: number }) => Buffer>> = { gzip: gunzipSync, 'x-gzip': gunzipSync, deflate: inflateSync };

/**
 * The body as the device meant it. A body sent with Content-Encoding gzip or deflate (devices on
 * thin links compress) is decoded here, and the limit holds for what it decodes to, so a small
 * bomb cannot grow past it. Any other coding gets 415 with the codings taken (RFC 9110 §12.5.3):
 * forwarded as it came, the event would carry bytes nobody can read, the coding being lost.
 */
export function decodedBody(body: Buffer, contentEncoding: string | undefined, limit: number): Buffer {
  const codings = (contentEncoding ?? '').toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  let out = body;
  // Listed in the order they were applied: undone last first.
  for (const coding of codings.reverse()) {
    const decode = DECODERS[coding];
    if (decode === undefined) throw new KiotError('UNSUPPORTED_MEDIA_TYPE', `content coding ${JSON.stringify(coding.slice(0, 32))} is not taken; send gzip, deflate or none`, undefined, { headers: { 'accept-encoding': 'gzip, deflate, identity' } });
    try {
      out = decode(out, { maxOutputLength: limit + 1 });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new KiotError('PAYLOAD_TOO_LARGE', `the body decodes to more than ${limit} bytes`);
      throw new KiotError('BAD_REQUEST', `the body is not valid ${coding}`);
    }
    if (out.length > limit) throw new KiotError('PAYLOAD_TOO_LARGE', `the body decodes to more than ${limit} bytes`);
  }
  return out;
}
