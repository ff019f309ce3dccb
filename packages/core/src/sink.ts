/**
 * Hands an event to K_SINK (a Knative Broker ingress) in binary mode and resolves only when
 * the sink accepted it with a 2xx. Everything else becomes a KiotError the caller can answer with.
 * The transport is passed in (`post`): `@kiot/core/exchange` has the real one, kept out of this
 * module so functions that never deliver do not load its HTTP client.
 */
import { binaryHeaders, type BinaryEvent } from './cloudevent-spec';
import { KiotError } from './errors';

export type SendEvent = (event: BinaryEvent) => Promise<void>;

/** POSTs a body and resolves with the status; rejects on network errors and timeouts. */
export type Post = (url: URL, headers: Record<string, string>, body: string | Buffer, timeoutMs: number) => Promise<number>;

export interface SinkOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Seconds a client is told to wait after the sink failed. */
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
export type Exchanger = (url: URL, headers: Record<string, string>, body: string | Buffer | undefined, timeoutMs: number) => Promise<Exchange>;

export function createSink(options: SinkOptions): SendEvent {
  const url = new URL(options.url);
  const unavailable = (message: string, cause?: unknown): KiotError =>
    new KiotError('UNAVAILABLE', message, undefined, { headers: { 'retry-after': String(options.retryAfterSeconds) }, cause });

  return async (event) => {
    let status: number;
    try {
      status = await options.post(url, binaryHeaders(event.attributes), event.data ?? '', options.timeoutMs);
    } catch (err) {
      throw unavailable(err instanceof SinkTimeout ? `the event sink did not answer within ${options.timeoutMs} ms` : 'the event sink is unreachable', err);
    }
    if (status >= 200 && status < 300) return;
    if (status >= 500 || status === 429 || status === 404 || status === 408) throw unavailable(`the event sink answered ${status}`);
    // A 4xx from the broker means kiot built an event it refuses: a bug, not the device's fault.
    throw new KiotError('INTERNAL', `the event sink refused the event with ${status}`);
  };
}
