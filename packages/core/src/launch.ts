/**
 * A function's process: faas-js-runtime started as its CLI starts it (the same FUNC_* variables
 * and `--include-raw`), with kiot's changes in front (adaptRuntime). The runtime answers every CORS
 * preflight (OPTIONS) itself with `Access-Control-Allow-Origin: *` whatever the function's `cors()`
 * says (hard-coded in its invocation handler, nodeshift/faas-js-runtime#359); here the preflight is
 * answered from `cors()`, the CORS headers of every other answer are tidied (tidyCors), and a
 * function can take its bodies as bytes (sent-bytes.ts) and learn its client's address (recordPeer).
 * Not exported from the package index: only the functions' start entry (scripts/build.mjs) bundles
 * it, so nothing else pulls faas-js-runtime in.
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { defaults, start, type Function as FaasFunction, type InvokerOptions } from 'faas-js-runtime';
import type { Env } from './config';
import { KiotError, toStructuredReturn } from './errors';
import { runtimeOptions, type RuntimeOptions } from './runtime-options';
import { BYTES_CONTENT_TYPE, SENT_CONTENT_TYPE } from './sent-bytes';

/** `allow`: the methods the function serves on `/`, for the Allow header of a 405 (default: those the runtime routes). */
type Launchable = FaasFunction & { readonly cors?: () => string[]; readonly bodyAsBytes?: boolean; readonly recordsPeer?: boolean; readonly allow?: string };

/**
 * For a function with `recordsPeer`: the socket's peer appended to X-Forwarded-For, as a proxy
 * appends it. The runtime gives a function no socket address, and without a proxy in front (the
 * local stack) the header would be missing and every client would look alike. Behind Knative the
 * peer is the queue-proxy, on loopback.
 */
function recordPeer(req: IncomingMessage): void {
  const peer = req.socket.remoteAddress;
  if (peer === undefined) return;
  const sent = req.headers['x-forwarded-for'];
  req.headers['x-forwarded-for'] = sent === undefined || sent === '' ? peer : `${sent}, ${peer}`;
}

/** The CORS headers of an answer, tidied in place (see tidyCors). */
function tidyHeaders(headers: Record<string, unknown>): void {
  const origin = headers['access-control-allow-origin'];
  if (origin === undefined && headers['access-control-allow-methods'] === undefined) return;
  delete headers['access-control-allow-methods'];
  if (origin === null || origin === undefined || origin === '' || origin === 'null') delete headers['access-control-allow-origin'];
  else if (origin !== '*') headers['vary'] = 'Origin';
}

type WriteHead = (this: ServerResponse, status: number, a?: unknown, b?: unknown) => ServerResponse;

/** Node's own writeHead, for the preflight answers kiot writes itself. */
const plainWriteHead = ServerResponse.prototype.writeHead as WriteHead;
let tidying = false;

/** The methods faas-js-runtime routes on `/` (fastify answers HEAD from the GET route). */
const ROUTED = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

/**
 * Any other method on `/` (PUT, DELETE, …) would get fastify's 404 "Route PUT:/ not found", as if the
 * URL were wrong: it gets 405 with Allow, in kiot's error form.
 */
function notAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  refuse(req, res, new KiotError('METHOD_NOT_ALLOWED', `${req.method ?? 'this method'} is not served here`, undefined, { headers: { allow } }));
}

/**
 * Query keys faas-js-runtime copies onto the context over its own fields (its Context does
 * `Object.assign(this, request.query)`): `?body=x` replaced what a function gets as the body, and
 * `?method=GET` made a POST to the live console look like a GET. Refused for every function.
 */
const CONTEXT_FIELDS = new Set(['body', 'query', 'headers', 'method', 'httpVersion', 'httpVersionMajor', 'httpVersionMinor', 'contentType', 'rawBody', 'cloudevent', 'cloudEventResponse']);
/** A query that may name one: the full parse is left to those (percent-encoded keys included). */
const MAY_SHADOW = /%|(?:^|&)(?:body|query|headers|method|http|content|raw|cloud)/i;

/** The first query key that would replace a context field, or undefined. */
function shadowing(url: string | undefined): string | undefined {
  const at = url?.indexOf('?') ?? -1;
  if (at < 0) return undefined;
  const query = url!.slice(at + 1);
  if (!MAY_SHADOW.test(query)) return undefined;
  for (const key of new URLSearchParams(query).keys()) if (CONTEXT_FIELDS.has(key)) return key;
  return undefined;
}

function refuse(req: IncomingMessage, res: ServerResponse, error: KiotError): void {
  const { statusCode, headers, body } = toStructuredReturn(error);
  const text = JSON.stringify(body);
  req.resume();
  plainWriteHead.call(res, statusCode, { ...headers, 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

/**
 * The runtime puts CORS headers on every answer: `Access-Control-Allow-Origin: null` for an origin
 * cors() does not list, and the preflight's Allow-Methods. The Fetch standard warns against `null`:
 * sandboxed pages and data: URLs send `Origin: null`, so it grants them. Here an unlisted origin
 * gets no Access-Control-Allow-Origin at all, and an answer that names the origin varies by it, so
 * caches keep one per origin. fastify hands its headers to writeHead, so they are tidied there:
 * once, on the prototype (a function's process serves one server). Wrapping each response's own
 * writeHead instead cost every function about 30 MB of memory under load.
 */
function tidyCors(): void {
  if (tidying) return;
  tidying = true;
  const tidied = function (this: ServerResponse, status: number, a?: unknown, b?: unknown): ServerResponse {
    const headers = typeof a === 'object' && a !== null ? a : b;
    if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) tidyHeaders(headers as Record<string, unknown>);
    return arguments.length <= 2 ? plainWriteHead.call(this, status, a) : plainWriteHead.call(this, status, a, b);
  };
  ServerResponse.prototype.writeHead = tidied as typeof ServerResponse.prototype.writeHead;
}

/** For a function with `bodyAsBytes` (sent-bytes.ts): the runtime sees a body of bytes, the sent Content-Type rides along. */
function asBytes(req: IncomingMessage): void {
  const sent = req.headers['content-type'];
  delete req.headers[SENT_CONTENT_TYPE];
  if (sent === undefined) return;
  req.headers[SENT_CONTENT_TYPE] = sent;
  req.headers['content-type'] = BYTES_CONTENT_TYPE;
}

/**
 * Puts kiot's changes in front of the runtime: OPTIONS answered from the function's `cors()`
 * before the runtime sees it, and methods it does not route refused (notAllowed); every other
 * request goes to the runtime, its body as bytes when the function asks for that, and the CORS
 * headers of its answer tidied.
 */
export function adaptRuntime(server: Server, fn: Launchable): void {
  const allowed = (): readonly string[] => fn.cors?.() ?? [];
  const bytes = fn.bodyAsBytes === true;
  const peer = fn.recordsPeer === true;
  const allow = fn.allow ?? [...ROUTED].join(', ');
  tidyCors();
  const runtime = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!ROUTED.has(req.method ?? '') && (req.url === '/' || req.url?.startsWith('/?') === true)) return notAllowed(req, res, allow);
    const shadowed = shadowing(req.url);
    if (shadowed !== undefined) return refuse(req, res, new KiotError('BAD_REQUEST', `query parameter ${JSON.stringify(shadowed)} is not allowed: the runtime would put it in place of the request's ${shadowed}`, undefined, { headers: { 'kne-reason': `query parameter ${shadowed} is not allowed` } }));
    if (req.method !== 'OPTIONS') {
      if (bytes) asBytes(req);
      if (peer) recordPeer(req);
      for (const listener of runtime) listener.call(server, req, res);
      return;
    }
    const origin = req.headers.origin;
    const headers: Record<string, string> = { vary: 'Origin' };
    if (origin !== undefined && allowed().includes(origin)) {
      const asked = req.headers['access-control-request-headers'];
      Object.assign(headers, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': asked !== undefined && /^[A-Za-z0-9\-_, ]{1,500}$/.test(asked) ? asked : 'authorization, content-type',
        'access-control-max-age': '600',
      });
    }
    plainWriteHead.call(res, 204, headers).end();
  });
}

/**
 * faas-js-runtime traps uncaught exceptions (the `death` package) only to run the function's shutdown
 * and exit 0, without a word: a function that crashed restarted as if it had stopped cleanly, its error
 * nowhere. Here the error is logged (a pino-style fatal line, as the runtime's own log) and the process
 * exits 1, as Node itself would; the runtime's handler never runs.
 */
function crashLoudly(): void {
  process.prependListener('uncaughtException', (thrown: unknown) => {
    const err = thrown instanceof Error ? { type: thrown.name, message: thrown.message, stack: thrown.stack } : { type: typeof thrown, message: String(thrown) };
    const line = { level: 60, time: Date.now(), pid: process.pid, msg: 'uncaught exception: the function stops', err };
    process.stderr.write(`${JSON.stringify(line)}\n`);
    process.exit(1);
  });
}

export async function launch(fn: Launchable, argv: readonly string[], env: Env): Promise<Server> {
  crashLoudly();
  const options = runtimeOptions(argv, env, { logLevel: defaults.LOG_LEVEL as RuntimeOptions['logLevel'], port: defaults.PORT, includeRaw: defaults.INCLUDE_RAW, bodyLimit: defaults.BODY_LIMIT });
  // What the runtime's CLI passes; its typings lack bodyLimit and type logLevel as an enum of these strings.
  // A copy: the runtime adds to the options it is given, and these are frozen.
  const server = await start(fn, { ...options } as unknown as InvokerOptions);
  adaptRuntime(server, fn);
  return server;
}
