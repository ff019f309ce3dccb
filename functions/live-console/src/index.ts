/**
 * live-console: keeps the last N kiot events (Trigger on every kiot type) and serves a page that
 * shows them live, with a chart per numeric field per device. It never replies with an event.
 */
import type { CloudEvent } from 'cloudevents';
import type { Context } from 'faas-js-runtime';
import { answer, KiotError, requireCloudEvent } from '@kiot/core';
import { parseConfig } from './config';
import { CSP, PAGE, SCRIPT, STYLE } from './page';
import { shown } from './shown';
import { EventStore } from './store';

let store: EventStore | undefined;
let maxDataBytes = 8192;

export const init = (): void => {
  const config = parseConfig(process.env);
  store = new EventStore(config.capacity);
  maxDataBytes = config.maxDataBytes;
};

// Same-origin only: the page polls its own origin; no other site may read device data (the start
// entry sends no Access-Control-Allow-Origin to an origin not listed here: core launch.ts).
export const cors = (): string[] => [];

// The runtime's own probes answer 503 with a TypeError once the event loop has lagged (core probes.ts).
export { liveness, readiness } from '@kiot/core';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const page = (body: string, type: string) => ({ statusCode: 200, headers: { 'content-type': type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }, body });

export const handle = async (context: Context, event?: CloudEvent<unknown>) =>
  answer(context.log, () => {
    if (!store) init();
    const events = store!;
    // HEAD as GET (fastify sends no body for it): an uptime monitor's check of the page.
    if (context.method === 'GET' || context.method === 'HEAD') {
      const q = context.query ?? {};
      const asset = text(q['asset']);
      if (asset === 'app.js') return page(SCRIPT, 'text/javascript; charset=utf-8');
      if (asset === 'style.css') return page(STYLE, 'text/css; charset=utf-8');
      if (q['view'] === 'events') {
        const since = text(q['since']) || '0';
        if (!/^\d{1,15}$/.test(since)) throw new KiotError('BAD_REQUEST', 'since is the sequence number of the last event seen, a whole number');
        return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: { last: events.last, events: events.after(Number(since), 500) } };
      }
      if (asset !== '' || Object.keys(q).length > 0) throw new KiotError('NOT_FOUND', 'no such page');
      return page(PAGE, 'text/html; charset=utf-8');
    }
    const ev = requireCloudEvent(context, event);
    const ext = (name: string): string => text(ev[name]);
    events.add({ id: ev.id, type: ev.type, application: ext('application'), device: ext('device'), channel: ev.subject ?? '', time: ev.time ?? new Date().toISOString(), data: shown(ev.data, maxDataBytes) });
    return undefined;
  });
