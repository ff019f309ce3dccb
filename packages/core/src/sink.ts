/**
 * Hands an event to K_SINK (a Knative Broker ingress) in binary mode and resolves only when
 * the sink accepted it with a 2xx. Everything else becomes a KiotError the caller can answer with.
 * The transport is passed in (`post`): `@kiot/core/exchange` has the real one, kept out of this
 * module so functions that never deliver do not load its HTTP client.
 */
import { binaryHeaderLines, type BinaryEvent } from './cloudevent-spec';
import { KiotError } from './errors';
import type { HeaderLines } from './http1/request';

export type SendEvent = (event: BinaryEvent) => Promise<void>;

/** What a POST was answered: the status and the headers (lower-case). */
export interface SinkAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** POSTs an event's header lines and body and resolves with the answer; rejects on network errors and timeouts. */
export type Post = (url: URL, headers: HeaderLines, body: string | Buffer, timeoutMs: number) => Promise<SinkAnswer>;

export interface SinkOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Seconds a client is told to wait after the sink failed, unless the sink's own Retry-After says. */
  readonly retryAfterSeconds: number;
  readonly post: Post;
}

/** What a transport rejects with when the answer did not come in time. */
export class SinkTimeout extends Error {}

/** One HTTP exchange's outcome: the status, the headers (lower-case, repeated ones joined) and the body. */
export interface Exchange {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** POSTs a body and resolves with the whole answer; rejects on network errors and timeouts. */
export type Exchanger = (url: URL, headers: Record<string, string> | HeaderLines, body: string | Buffer | undefined, timeoutMs: number) => Promise<Exchange>;

/**
 * The sink did not take the event (unreachable, too slow, 5xx, 429, 404, 408): a 503 for an HTTP
 * caller. `sinkStatus` is what the sink answered (none when it did not answer); `sinkRetryAfter`
 * the seconds its own Retry-After asked for, so a caller that keeps forwarding (the MQTT endpoint)
 * can hold back for that long instead of sending more into a full queue.
 */
export class SinkUnavailable extends KiotError {
  constructor(message: string, retryAfter: number, readonly sinkStatus?: number, readonly sinkRetryAfter?: number, cause?: unknown) {
    super('UNAVAILABLE', message, undefined, { headers: { 'retry-after': String(retryAfter) }, cause });
  }
}

/** The longest wait passed on from a sink: a device told to wait hours would look broken. */
const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * The seconds a Retry-After names (RFC 9110: delay-seconds or an HTTP-date), at least 1 and at
 * most an hour; undefined when it names none that parses.
 */
export function retryAfterSeconds(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  // Date.parse takes nearly anything ("-3" is a year): a date is only one that ends in GMT, as every HTTP-date form does.
  const seconds = /^\d+$/.test(v) ? Number(v) : /GMT$/.test(v) ? Math.ceil((Date.parse(v) - now) / 1000) : NaN;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}

export function createSink(options: SinkOptions): SendEvent {
  const url = new URL(options.url);
  // The sink's own Retry-After (a broker whose queue is full says when it expects room) wins over ours.
  const unavailable = (message: string, cause?: unknown, answer?: SinkAnswer): SinkUnavailable => {
    const sinkSays = retryAfterSeconds(answer?.headers['retry-after']);
    return new SinkUnavailable(message, sinkSays ?? options.retryAfterSeconds, answer?.status, sinkSays, cause);
  };

  return async (event) => {
    let headers: HeaderLines;
    try {
      headers = binaryHeaderLines(event.attributes);
    } catch (err) {
      // The attributes were checked as the event was made: one HTTP cannot carry is kiot's bug, not the sink's.
      throw new KiotError('INTERNAL', `the event cannot be sent: ${err instanceof Error ? err.message : String(err)}`);
    }
    let answer: SinkAnswer;
    try {
      answer = await options.post(url, headers, event.data ?? '', options.timeoutMs);
    } catch (err) {
      throw unavailable(err instanceof SinkTimeout ? `the event sink did not answer within ${options.timeoutMs} ms` : 'the event sink is unreachable', err);
    }
    const status = answer.status;
    if (status >= 200 && status < 300) return;
    if (status >= 500 || status === 429 || status === 404 || status === 408) throw unavailable(`the event sink answered ${status}`, undefined, answer);
    // A 4xx from the broker means kiot built an event it refuses: a bug, not the device's fault.
    throw new KiotError('INTERNAL', `the event sink refused the event with ${status}`);
  };
}
