/**
 * One error catalogue for every kiot function: stable names, numeric statuses, one normaliser.
 * faas-js-runtime turns a thrown error's numeric `code` into the status and any string `code`
 * (ECONNREFUSED) into a 500, so nothing but a KiotError may leave a handler.
 */
import { isRetryableStatus } from './events';

export const ERRORS = {
  BAD_REQUEST: { status: 400, retried: false, doc: 'the request is malformed: JSON that does not parse or is not UTF-8, a reserved query key, an unknown dialect' },
  NOT_A_CLOUDEVENT: { status: 400, retried: false, doc: 'a function that takes CloudEvents got something else, or an invalid one' },
  UNAUTHENTICATED: { status: 401, retried: false, doc: 'missing or wrong credentials (unknown device and wrong password look the same)' },
  FORBIDDEN: { status: 403, retried: false, doc: 'a known device that may not do this (disabled, ?as= without permission)' },
  NOT_FOUND: { status: 404, retried: true, doc: 'no such resource' },
  METHOD_NOT_ALLOWED: { status: 405, retried: false, doc: 'the method is not served here' },
  PAYLOAD_TOO_LARGE: { status: 413, retried: false, doc: 'the body is above the configured limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retried: false, doc: 'the content type does not fit the dialect' },
  UNPROCESSABLE: { status: 422, retried: false, doc: 'well-formed but undecodable or invalid data; kne-reason says why' },
  RATE_LIMITED: { status: 429, retried: true, doc: 'the device is above its rate; Retry-After says when to come back' },
  INTERNAL: { status: 500, retried: true, doc: 'a bug; the message is generic, the log has the cause' },
  UNAVAILABLE: { status: 503, retried: true, doc: 'a dependency (the broker, InfluxDB) is down or too slow; Retry-After says when to retry' },
} as const;

export type ErrorName = keyof typeof ERRORS;

export interface StructuredError {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: { readonly error: ErrorName; readonly message: string; readonly details?: unknown };
}

export class KiotError extends Error {
  /** Numeric on purpose: faas-js-runtime reads `code` as the HTTP status if this is ever thrown. */
  readonly code: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly errorName: ErrorName,
    message: string,
    readonly details?: unknown,
    options?: { headers?: Record<string, string>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KiotError';
    this.code = ERRORS[errorName].status;
    this.headers = options?.headers ?? {};
  }

  get status(): number {
    return this.code;
  }
}

/** Anything thrown becomes a KiotError; unknown errors become INTERNAL without leaking their text. */
export function toKiotError(thrown: unknown): KiotError {
  if (thrown instanceof KiotError) return thrown;
  return new KiotError('INTERNAL', 'internal error', undefined, { cause: thrown });
}

/**
 * Bad data that must not be retried: 422, with `kne-reason` (the broker copies it onto the
 * dead-lettered event). `reason` defaults to the message; it is made a valid header value here.
 */
export function unprocessable(message: string, reason: string = message): KiotError {
  return new KiotError('UNPROCESSABLE', message, undefined, { headers: { 'kne-reason': reasonHeader(reason) } });
}

/** The only place a KiotError becomes an HTTP answer. */
export function toStructuredReturn(err: KiotError): StructuredError {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...err.headers };
  // The broker copies kne-* response headers onto the dead-lettered event.
  if (!isRetryableStatus(err.status) && headers['kne-reason'] === undefined) headers['kne-reason'] = reasonHeader(err.message);
  const body = err.details === undefined ? { error: err.errorName, message: err.message } : { error: err.errorName, message: err.message, details: err.details };
  return { statusCode: err.status, headers, body };
}

function reasonHeader(message: string): string {
  // Header values must be visible ASCII; device data can appear in messages.
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
