#!/usr/bin/env node
// HTTP load generator (its own process) for the writer's HTTP path: posts each event of a JSON file
// ([{ headers, body }], binary-mode CloudEvents as a Knative Broker pushes them) once, over C
// keep-alive connections; prints { ok, failed, statuses, ms } as JSON.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

const [url, file, connections = '64'] = process.argv.slice(2);
const events = JSON.parse(readFileSync(file, 'utf8'));
const agent = new Agent({ connections: Number(connections), pipelining: 1 });
const statuses = {};
let next = 0;
let ok = 0;
let failed = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(connections) }, async () => {
  while (next < events.length) {
    const e = events[next++];
    try {
      const res = await request(url, { method: 'POST', headers: e.headers, body: e.body, dispatcher: agent });
      await res.body.dump();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode >= 200 && res.statusCode < 300) ok++;
      else failed++;
    } catch {
      failed++;
    }
  }
}));
const ms = performance.now() - t0;
await agent.close();
process.stdout.write(`${JSON.stringify({ ok, failed, statuses, ms })}\n`);
