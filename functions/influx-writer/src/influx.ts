/** The one place that talks to InfluxDB: a WriteBody function over the client's transport. */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { HttpError, InfluxDB, type SendOptions, type Transport } from '@influxdata/influxdb-client';
import { retryAfterSeconds } from '@kiot/core';
import type { Precision, WriteApi } from './config';

/** Why a write failed: `rejected` means these lines are bad (4xx); `transient` means try again. */
export class WriteFailure extends Error {
  /** `retryAfterSeconds`: InfluxDB's Retry-After (Cloud's rate limit answers 429 with one), when it gave one. */
  constructor(readonly kind: 'rejected' | 'transient', readonly status: number, message: string, readonly retryAfterSeconds?: number) {
    super(message);
    this.name = 'WriteFailure';
  }
}

/** Writes line protocol already encoded (UTF-8, one point per line). */
export type WriteBody = (body: Buffer) => Promise<void>;

export type WriteLines = (lines: readonly string[]) => Promise<void>;

/** Lines encoded for a WriteBody, as the HTTP function's batches are. */
export const lineWriter = (write: WriteBody): WriteLines => (lines) => write(Buffer.from(lines.join('\n')));

export interface InfluxTarget {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  readonly api: WriteApi;
  readonly precision: Precision;
  readonly timeoutMs: number;
  readonly gzipThreshold: number;
  /** 1 (fastest) to 9: on line protocol level 1 compresses nearly as well as the default 6 with a third of the CPU. */
  readonly gzipLevel: number;
}

const gzipAsync = promisify(gzip);

/**
 * The answers that blame the lines themselves: 400 (bad line protocol, a field type conflict), 413
 * (too large: halving helps), 422 (InfluxDB 2: points outside the retention period). Any other
 * answer is about InfluxDB or kiot's settings, not the data: 401 and 403 (a wrong token), 404 (no
 * such bucket or database), 429, 5xx. Those are retried, so a bad token or a bucket not created yet
 * holds the points back instead of dead-lettering every one of them.
 */
const DATA_PROBLEMS: readonly number[] = [400, 413, 422];

/**
 * The client's send with a body of bytes, encoded once: its request() takes only a string, and turns anything else into JSON.
 * send() hands the body to Buffer.from, which copies bytes as they are (a test holds this on the wire).
 */
function sendBytes(transport: Transport, path: string, body: Buffer, options: SendOptions): Promise<void> {
  return new Promise((resolve, reject) => transport.send(path, body as unknown as string, options, { error: reject, complete: resolve }));
}

const V1_PRECISION: Readonly<Record<Precision, string>> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

/**
 * v2: `/api/v2/write` (InfluxDB 2.x, 3.x, Cloud, 1.8+). v1: `/write` for InfluxDB 1.x before 1.8, the
 * bucket read as `database/retention-policy` exactly as 1.8's v2 compatibility reads it.
 */
export function writePath(t: Pick<InfluxTarget, 'api' | 'org' | 'bucket' | 'precision'>): string {
  if (t.api === 'v2') return `/api/v2/write?${new URLSearchParams({ org: t.org, bucket: t.bucket, precision: t.precision }).toString()}`;
  const [db, rp] = t.bucket.split('/', 2) as [string, string | undefined];
  return `/write?${new URLSearchParams({ db, ...(rp ? { rp } : {}), precision: V1_PRECISION[t.precision] }).toString()}`;
}

export function createInfluxWriter(t: InfluxTarget): WriteBody {
  const transport = new InfluxDB({ url: t.url, token: t.token, timeout: t.timeoutMs }).transport;
  const path = writePath(t);
  const plain = { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' } } as const;
  const gzipped = { method: 'POST', headers: { ...plain.headers, 'content-encoding': 'gzip' } } as const;
  return async (body) => {
    try {
      // Compressed here, not by the client, which offers no level (it uses zlib's default, 6).
      if (body.length > t.gzipThreshold) await sendBytes(transport, path, await gzipAsync(body, { level: t.gzipLevel }), gzipped);
      else await sendBytes(transport, path, body, plain);
    } catch (err) {
      if (err instanceof HttpError) {
        // Read as the sink's is (HTTP-dates too, at most an hour): the client's retryAfter() takes whole seconds only.
        const said = err.headers?.['retry-after'];
        const wait = retryAfterSeconds(Array.isArray(said) ? said[0] : said);
        throw new WriteFailure(DATA_PROBLEMS.includes(err.statusCode) ? 'rejected' : 'transient', err.statusCode, `InfluxDB answered ${err.statusCode}: ${(err.body ?? err.message).slice(0, 300)}`, wait);
      }
      throw new WriteFailure('transient', 0, `InfluxDB unreachable: ${(err as Error).message}`);
    }
  };
}
