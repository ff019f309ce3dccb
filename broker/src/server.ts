/** The broker's HTTP face: ingress at /{namespace}/{broker}, metrics, health, and sink contents. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { processMetrics } from '@kiot/core';
import { fromHttp, InvalidEvent } from './cloudevent';
import type { Dispatcher } from './dispatcher';
import type { SinkStore } from './sinks';

export interface ServerOptions {
  readonly maxBodyBytes: number;
  readonly retryAfterSeconds: number;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `current` is read per request: the broker binds its port before its wiring is resolved. */
export function createBrokerServer(current: () => Dispatcher | undefined, sinks: SinkStore, opts: ServerOptions): Server {
  const processText = processMetrics();
  return createServer((req, res) => {
    const dispatcher = current();
    if (!dispatcher) return reply(res, 503, { error: 'starting' }, { 'retry-after': '1' });
    void handle(dispatcher, req, res).catch((err: unknown) => reply(res, 500, { error: 'internal', message: (err as Error).message }));
  });

  async function handle(dispatcher: Dispatcher, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter((p) => p !== '');
    if (req.method === 'GET' && url.pathname === '/metrics') return reply(res, 200, dispatcher.metrics() + processText(), { 'content-type': 'text/plain; version=0.0.4' });
    if (req.method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/readyz')) return reply(res, 200, 'ok');
    if (req.method === 'GET' && parts.length === 2 && parts[0] === 'sinks') return reply(res, 200, sinks.read(decodeURIComponent(parts[1]!), Number(url.searchParams.get('limit') ?? 1000)));
    if (parts.length !== 2 || !dispatcher.hasBroker(decodeURIComponent(parts[0]!), decodeURIComponent(parts[1]!))) return reply(res, 404, { error: 'not found', message: 'POST events to /{namespace}/{broker}' });
    const [namespace, broker] = [decodeURIComponent(parts[0]!), decodeURIComponent(parts[1]!)];
    if (req.method !== 'POST') return reply(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
    const body = await readBody(req, opts.maxBodyBytes);
    if (body === undefined) return reply(res, 413, { error: 'payload too large', limit: opts.maxBodyBytes }, { connection: 'close' });
    let event;
    try {
      event = fromHttp(req.headers, body);
    } catch (err) {
      if (!(err instanceof InvalidEvent)) throw err;
      dispatcher.noteRejected(namespace, broker);
      return reply(res, 400, { error: 'invalid CloudEvent', message: err.message });
    }
    const result = dispatcher.ingest(namespace, broker, event);
    if (result === 'full') return reply(res, 503, { error: 'broker queue full', message: 'retry later' }, { 'retry-after': String(opts.retryAfterSeconds) });
    res.writeHead(202);
    res.end();
  }
}
