/**
 * The HTTP transport every endpoint and the broker deliver with: kiot's own HTTP/1.1 client
 * (http1/), keep-alive connections per origin, optionally pipelined.
 * undici's dispatch, the leanest library client measured, cost the MQTT endpoint 32-36 µs of CPU per
 * forward against 21 for this client one request per connection and 12 pipelined (16 deep), and
 * undici's own pipelining cost more than none. Only POST, and only what a sink answers is read.
 * Its own entry point (`@kiot/core/exchange`, not in the index): functions that never deliver do not load it.
 */
import { connect as connectTcp, isIP } from 'node:net';
import { connect as connectTls, rootCertificates } from 'node:tls';
import { Pool } from './http1/pool';
import type { Job } from './http1/connection';
import { postBytes } from './http1/request';
import { createSink, SinkTimeout, type Exchange, type Exchanger, type SendEvent } from './sink';
import { withOverrides, type SinkBinding } from './sink-binding';

export interface ExchangerOptions {
  /** Connections per origin. */
  readonly maxConnections?: number;
  /** Requests a connection carries unanswered (HTTP/1.1 pipelining); 1, the default, is none. */
  readonly pipelining?: number;
  /** PEM certificates an https sink may be signed by (K_CA_CERTS), besides the system's roots. */
  readonly ca?: string;
  /** An idle connection is closed after this long, or a second before the server's Keep-Alive timeout. */
  readonly idleMs?: number;
}

/** A broker's reply is an event: far below this, and an answer past it is a broken server. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

function originPool(url: URL, options: ExchangerOptions): Pool {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const tls = url.protocol === 'https:';
  const port = Number(url.port || (tls ? 443 : 80));
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];
  return new Pool({
    connect: tls
      ? () => connectTls({ host, port, ALPNProtocols: ['http/1.1'], ...(isIP(host) === 0 ? { servername: host } : {}), ...(ca !== undefined ? { ca } : {}) })
      : () => connectTcp({ host, port }),
    maxConnections: options.maxConnections ?? 128,
    pipelining: Math.max(1, options.pipelining ?? 1),
    idleMs: options.idleMs ?? 30_000,
    maxBodyBytes: MAX_ANSWER_BYTES,
  });
}

/** POSTs and resolves with the whole answer; rejects on transport errors, and with SinkTimeout after timeoutMs from the call. */
export function createExchanger(options: ExchangerOptions = {}): Exchanger {
  const pools = new Map<string, Pool>();
  return (url, headers, body, timeoutMs) =>
    new Promise<Exchange>((resolve, reject) => {
      const bytes = postBytes(url, headers, body);
      let pool = pools.get(url.origin);
      if (pool === undefined) pools.set(url.origin, (pool = originPool(url, options)));
      const job: Job = {
        bytes,
        connection: undefined,
        settled: false,
        settle(err, answer) {
          if (this.settled) return;
          this.settled = true;
          clearTimeout(timer);
          if (err !== undefined) reject(err);
          else resolve({ status: answer!.status, headers: answer!.headers, body: answer!.body });
        },
      };
      const timer = setTimeout(() => {
        const sent = job.connection;
        if (sent === undefined) {
          // Still waiting for a connection: it is never sent.
          pool.forget(job);
          job.settle(new SinkTimeout('timed out before it was sent'));
        } else {
          // Answers come in order: the connection is stuck behind this one, so it goes, and anything pipelined behind fails with it.
          job.settle(new SinkTimeout(`no answer within ${timeoutMs} ms`));
          sent.destroy();
        }
      }, timeoutMs);
      pool.dispatch(job);
    });
}

/**
 * An endpoint's hand-off as its SinkBinding describes it: to K_SINK (trusting K_CA_CERTS), with K_CE_OVERRIDES on every event,
 * `pipelining` requests deep on each connection.
 */
export function bindingSink(binding: SinkBinding, timeoutMs: number, retryAfterSeconds: number, pipelining = 1): SendEvent {
  return withOverrides(createSink({ url: binding.sink, timeoutMs, retryAfterSeconds, post: createExchanger({ ca: binding.caCerts, pipelining }) }), binding.overrides);
}
