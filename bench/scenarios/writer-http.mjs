// Scenario 4's HTTP path: the influx-writer function, started as its container starts it, fed
// validated.v1 events in binary mode as a Knative Broker pushes them (many deliveries at once),
// by a load generator in its own process. The writer answers each only once its points are written.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HTTP } from 'cloudevents';
import { nodeJson } from '../lib.mjs';
import { REQUESTS, startFunction, VM_URL } from './targets.mjs';

/** Deliveries in flight at once: the Kafka broker's dispatcher pushes a partition's events unordered, many at a time. */
export const CONNECTIONS = 64;

export const startWriter = () => startFunction('influx-writer', { INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot' }, REQUESTS.validated);

/** Posts every event once; points/s from the first request to the last answer. */
export async function postAll(writer, events, points) {
  const dir = mkdtempSync(join(tmpdir(), 'kiot-bench-'));
  const file = join(dir, 'events.json');
  try {
    writeFileSync(file, JSON.stringify(events.map((ev) => {
      const m = HTTP.binary(ev);
      return { headers: m.headers, body: typeof m.body === 'string' ? m.body : JSON.stringify(m.body) };
    })));
    const r = await nodeJson('bench/load/ce-post.mjs', [writer.url, file, String(CONNECTIONS)]);
    if (r.failed > 0) throw new Error(`the writer did not take ${r.failed} of ${events.length} events over HTTP: ${JSON.stringify(r.statuses)}`);
    return points / (r.ms / 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
