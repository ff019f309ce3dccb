/**
 * The HTTP transport every endpoint and the broker deliver with: undici with a keep-alive pool.
 * node:http's client costs about 40% more CPU per exchange, fetch about four times as much.
 * It uses undici's dispatch with a handler rather than `request`: `request` wraps every answer in
 * a body stream and an AbortSignal, which cost about 15 µs of CPU per exchange (about 35 → 19).
 * Its own entry point (`@kiot/core/exchange`, not in the index): only what delivers loads undici.
 */
import { rootCertificates } from 'node:tls';
import { Agent, errors, type Dispatcher } from 'undici';
import { createSink, SinkTimeout, type Exchange, type Exchanger, type SendEvent } from './sink';
import { withOverrides, type SinkBinding } from './sink-binding';

function joined(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** One exchange: settles once, with the final answer, a transport error, or SinkTimeout after timeoutMs. */
function exchangeOnce(agent: Agent, options: Dispatcher.DispatchOptions, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    const settle = (err: Error | undefined, answer?: Exchange): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(answer!);
    };
    // Its own timer, from the call: undici's header and body timeouts tick at about a second, and
    // start only once the request has a connection.
    const timer = setTimeout(() => {
      const err = new SinkTimeout(`no answer within ${timeoutMs} ms`);
      controller?.abort(err);
      settle(err);
    }, timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        // Timed out while waiting for a connection: do not send it at all.
        if (settled) c.abort(new SinkTimeout('timed out before it was sent'));
      },
      onResponseStart(_c, statusCode, h) {
        status = statusCode;
        headers = joined(h);
      },
      onResponseData(_c, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        settle(undefined, { status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      },
      onResponseError(_c, err) {
        settle(err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError ? new SinkTimeout(`no answer within ${timeoutMs} ms`, { cause: err }) : err);
      },
    };
    try {
      agent.dispatch(options, handler);
    } catch (err) {
      settle(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** `ca`: PEM certificates an https sink may be signed by (K_CA_CERTS), besides the system's roots. */
export function createExchanger(maxSockets = 128, ca?: string): Exchanger {
  const agent = new Agent({ connections: maxSockets, keepAliveTimeout: 30_000, ...(ca !== undefined ? { connect: { ca: [...rootCertificates, ca] } } : {}) });
  return (url, headers, body, timeoutMs) => exchangeOnce(agent, { origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers, body: body ?? '' }, timeoutMs);
}

/** An endpoint's hand-off as its SinkBinding describes it: to K_SINK (trusting K_CA_CERTS), with K_CE_OVERRIDES on every event. */
export function bindingSink(binding: SinkBinding, timeoutMs: number, retryAfterSeconds: number): SendEvent {
  return withOverrides(createSink({ url: binding.sink, timeoutMs, retryAfterSeconds, post: createExchanger(128, binding.caCerts) }), binding.overrides);
}
