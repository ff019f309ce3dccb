/**
 * Hands a CloudEvent to K_SINK (a Knative Broker ingress) in binary mode and resolves only when
 * the sink accepted it with a 2xx. Everything else becomes a KiotError the caller can answer with.
 */
import { HTTP, type CloudEvent } from 'cloudevents';
import { KiotError } from './errors';

export type SendEvent = (event: CloudEvent<unknown>) => Promise<void>;
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string | Uint8Array; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface SinkOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Seconds a client is told to wait after the sink failed. */
  readonly retryAfterSeconds: number;
  readonly fetch?: FetchLike;
}

export function createSink(options: SinkOptions): SendEvent {
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const unavailable = (message: string, cause?: unknown): KiotError =>
    new KiotError('UNAVAILABLE', message, undefined, { headers: { 'retry-after': String(options.retryAfterSeconds) }, cause });

  return async (event) => {
    const message = HTTP.binary(event);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(message.headers)) if (v !== undefined) headers[k] = String(v);
    const body = typeof message.body === 'string' || message.body instanceof Uint8Array ? message.body : JSON.stringify(message.body ?? null);
    let status: number;
    try {
      const res = await doFetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      status = res.status;
      if (status >= 200 && status < 300) return;
      await res.text().catch(() => '');
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw unavailable(timedOut ? `the event sink did not answer within ${options.timeoutMs} ms` : 'the event sink is unreachable', err);
    }
    if (status >= 500 || status === 429 || status === 404 || status === 408) throw unavailable(`the event sink answered ${status}`);
    // A 4xx from the broker means kiot built an event it refuses: a bug, not the device's fault.
    throw new KiotError('INTERNAL', `the event sink refused the event with ${status}`);
  };
}
