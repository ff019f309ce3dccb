/**
 * The HTTP transport every endpoint and the broker deliver with: undici with a keep-alive pool.
 * node:http's client costs about 40% more CPU per exchange, fetch about four times as much.
 * Its own entry point (`@kiot/core/exchange`, not in the index): only what delivers loads undici.
 */
import { Agent, errors } from 'undici';
import { SinkTimeout, type Exchanger, type Post } from './sink';

export function createExchanger(maxSockets = 128): Exchanger {
  const agent = new Agent({ connections: maxSockets, keepAliveTimeout: 30_000 });
  return async (url, headers, body, timeoutMs) => {
    // Its own timer: undici's header and body timeouts tick at about a second, too coarse for a sink timeout.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const res = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers, body: body ?? '', signal: abort.signal });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
      return { status: res.statusCode, headers: out, body: Buffer.from(await res.body.arrayBuffer()) };
    } catch (err) {
      if (abort.signal.aborted || err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) throw new SinkTimeout(`no answer within ${timeoutMs} ms`, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
}

export function createPost(maxSockets = 128): Post {
  const exchange = createExchanger(maxSockets);
  return async (url, headers, body, timeoutMs) => (await exchange(url, headers, body, timeoutMs)).status;
}
