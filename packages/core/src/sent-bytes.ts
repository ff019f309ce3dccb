/**
 * A function that takes every body as the bytes the client sent exports `bodyAsBytes = true`
 * (http-ingest: it forwards what a device sent unchanged, and parses JSON itself so that a body
 * that does not parse gets kiot's own 400). Its start entry (launch.ts) hands the runtime each
 * such request as application/octet-stream, so fastify parses no JSON, text or form, and keeps the
 * Content-Type the client sent in SENT_CONTENT_TYPE. The start entry always sets or removes that
 * header, so a client cannot send it.
 */
export const SENT_CONTENT_TYPE = 'x-kiot-sent-content-type';

export const BYTES_CONTENT_TYPE = 'application/octet-stream';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const joined = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

/** The request's headers as the client sent them (repeated ones joined), the start entry's stand-in content type undone. */
export function sentHeaders(headers: Headers): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  // Without Object.entries and delete: this runs for every request, and delete turns the object into a slow dictionary.
  for (const k in headers) {
    if (k === SENT_CONTENT_TYPE) continue;
    out[k] = joined(headers[k]);
  }
  if (SENT_CONTENT_TYPE in headers) out['content-type'] = joined(headers[SENT_CONTENT_TYPE]);
  return out;
}
