/** Starts a function module in the real faas-js-runtime on a free loopback port. */
import { request, type Server } from 'node:http';
import { start, type Function as FaasFunction, type InvokerOptions } from 'faas-js-runtime';
import { adaptRuntime } from '../../packages/core/src/launch';
import { freePort } from '../../scripts/free-ports.mjs';

export { freePort, freePorts } from '../../scripts/free-ports.mjs';

export interface Running {
  readonly url: string;
  close(): Promise<void>;
}

/** start() treats port 0 as 8080, so pick a free port first. */
export async function startFunction(fn: FaasFunction, options: { includeRaw?: boolean; bodyLimit?: number } = {}): Promise<Running> {
  const port = await freePort();
  const server: Server = await start(fn, { port, logLevel: 'silent', ...options } as unknown as InvokerOptions);
  // As the function's start entry does (build/start.js): CORS from its cors(), bodies as bytes when it asks.
  adaptRuntime(server, fn);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * One POST on a fresh connection, for hostile input: the server rightly closes some (413, 431), and
 * a reused connection would race. Resolves with the status, or -1 on a network error.
 */
export function rawPost(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}
