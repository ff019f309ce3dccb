/** A real HTTP server on loopback that records what it receives and answers as told. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The client's port: one per connection it came on. */
  readonly peerPort: number | undefined;
}

export interface TestSink {
  readonly url: string;
  readonly received: Received[];
  /** Decide the answer per request; default 202. */
  respond: (req: Received) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };
  close(): Promise<void>;
}

/** `tls`: serve https with this key and certificate (PEM), as a Broker ingress does with eventing TLS on. */
export async function startSink(tls?: { key: string; cert: string }): Promise<TestSink> {
  const sink: TestSink = {
    url: '',
    received: [],
    respond: () => ({ status: 202 }),
    close: async () => undefined,
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { headers: req.headers, body: Buffer.concat(chunks), peerPort: req.socket.remotePort };
      sink.received.push(rec);
      const answer = sink.respond(rec);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  };
  const server: Server = tls ? createHttpsServer(tls, onRequest) : createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(sink, {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}
