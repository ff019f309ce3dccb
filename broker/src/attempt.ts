/**
 * One delivery attempt to a destination (an HTTP subscriber, or a file-backed sink), and what a
 * failed one leaves on the event it dead-letters, as Knative's dispatchers do.
 */
import { binaryHeaderLines } from '@kiot/core';
import { createExchanger } from '@kiot/core/exchange';
import type { BrokerEvent } from './cloudevent';
import type { SinkStore } from './sinks';

/** Where a destination points: an HTTP URL, or a local file-backed sink (a KafkaSink stand-in). */
export type Target = { readonly url: string } | { readonly sink: string } | { readonly disabled: string };
export type Deliverable = Exclude<Target, { readonly disabled: string }>;

export interface Attempt {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly error?: string;
  /** Not worth retrying whatever the status (an undecodable reply). */
  readonly final?: boolean;
}

export type Send = (target: Deliverable, event: BrokerEvent, timeoutMs: number | undefined) => Promise<Attempt>;

/** Asks a subscriber for its reply event, as Knative's dispatchers do. */
const PREFER_REPLY = { prefer: 'reply' };

const failed = (error: string): Attempt => ({ ok: false, status: 0, headers: {}, body: Buffer.alloc(0), error });

/** Delivers in binary mode, asking for a reply (`prefer: reply`); never rejects: a failure is an Attempt. */
export function createSender(sinks: SinkStore): Send {
  const exchange = createExchanger({ maxConnections: 1024 });
  const urls = new Map<string, URL>();
  return async (target, event, timeoutMs) => {
    if ('sink' in target) {
      try {
        sinks.append(target.sink, event);
        return { ok: true, status: 202, headers: {}, body: Buffer.alloc(0) };
      } catch (err) {
        return failed((err as Error).message);
      }
    }
    let url = urls.get(target.url);
    if (!url) urls.set(target.url, (url = new URL(target.url)));
    try {
      const res = await exchange(url, binaryHeaderLines(event.attributes, PREFER_REPLY), event.data, timeoutMs ?? 600_000);
      return { ok: res.status >= 200 && res.status < 300, ...res };
    } catch (err) {
      return failed((err as Error).message);
    }
  };
}

/**
 * The extensions a dead-lettered event carries: where it failed (`knativeerrordest`), the last
 * status (`knativeerrorcode`), up to 1 KiB of the answer base64 (`knativeerrordata`), and every
 * `kne-*` header of the answer as an extension of its own (a function's `kne-reason`).
 */
export function errorExtensions(subscriber: Deliverable, last: Attempt): Record<string, string | number> {
  const extra: Record<string, string | number> = {
    knativeerrordest: 'url' in subscriber ? subscriber.url : `sink:${subscriber.sink}`,
    knativeerrorcode: last.status,
  };
  const data = last.error !== undefined && last.body.length === 0 ? Buffer.from(last.error) : last.body;
  if (data.length > 0) extra['knativeerrordata'] = data.subarray(0, 1024).toString('base64');
  for (const [h, v] of Object.entries(last.headers)) {
    if (!h.startsWith('kne-')) continue;
    const name = h.slice(4).toLowerCase().replace(/[^a-z0-9]/g, '');
    if (name !== '') extra[name] = v;
  }
  return extra;
}
