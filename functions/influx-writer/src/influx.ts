/** The one place that talks to InfluxDB: a WriteLines function over the client's transport. */
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import type { Precision } from './config';

/** Why a write failed: `rejected` means these lines are bad (4xx); `transient` means try again. */
export class WriteFailure extends Error {
  constructor(readonly kind: 'rejected' | 'transient', readonly status: number, message: string) {
    super(message);
    this.name = 'WriteFailure';
  }
}

export type WriteLines = (lines: readonly string[]) => Promise<void>;

export interface InfluxTarget {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  readonly precision: Precision;
  readonly timeoutMs: number;
  readonly gzipThreshold: number;
}

export function createInfluxWriter(t: InfluxTarget): WriteLines {
  const transport = new InfluxDB({ url: t.url, token: t.token, timeout: t.timeoutMs }).transport;
  const path = `/api/v2/write?${new URLSearchParams({ org: t.org, bucket: t.bucket, precision: t.precision }).toString()}`;
  return async (lines) => {
    try {
      await transport.request(path, lines.join('\n'), { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, gzipThreshold: t.gzipThreshold });
    } catch (err) {
      if (err instanceof HttpError) {
        const transient = err.statusCode >= 500 || err.statusCode === 429 || err.statusCode === 408;
        throw new WriteFailure(transient ? 'transient' : 'rejected', err.statusCode, `InfluxDB answered ${err.statusCode}: ${(err.body ?? err.message).slice(0, 300)}`);
      }
      throw new WriteFailure('transient', 0, `InfluxDB unreachable: ${(err as Error).message}`);
    }
  };
}
