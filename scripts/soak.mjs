#!/usr/bin/env node
// `npm run soak`: the local stack under a fixed load (HTTP and MQTT QoS 1 readings) for a while,
// sampling each process's RSS (its node process, as the benchmarks measure it), JS heap in use right
// after a full garbage collection, and event-loop lag. Reports whether the heap trends upward
// (least-squares slope of each minute's lowest point over the second half of the run) and exits 1 if it does.
// Not part of CI's default run (10 minutes); `--seconds 20` is a smoke run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { nodePid, pidRssMb, root } from '../bench/lib.mjs';
import { launchStack } from './stack/launch.mjs';
import { runTmpdir } from './run-tmpdir.mjs';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, seconds: { type: 'string' }, rate: { type: 'string', default: '50' }, 'sample-seconds': { type: 'string', default: '10' }, 'max-slope': { type: 'string', default: '1' }, out: { type: 'string', default: join(root, 'bench/results/soak.md') } } });
const durationMs = (args.seconds !== undefined ? Number(args.seconds) : Number(args.minutes) * 60) * 1000;
const rate = Number(args.rate);
const sampleMs = Number(args['sample-seconds']) * 1000;
const maxSlope = Number(args['max-slope']); // MB per minute
const say = (l) => process.stdout.write(`${l}\n`);
runTmpdir('kiot-soak-run-');

// The writer runs when a TSDB is configured, or found where scripts/services/start puts VictoriaMetrics.
const influx = process.env.INFLUX_URL ? {} : await fetch('http://127.0.0.1:8428/health').then((r) => (r.ok ? { INFLUX_URL: 'http://127.0.0.1:8428', INFLUX_BUCKET: 'kiot' } : {}), () => ({}));
// Every process can be told to collect its garbage in full (scripts/stack/gc-on-signal.cjs): a process that
// keeps objects for a while (the live console's last events) otherwise fills its old space with garbage V8
// collects only now and then, and that reads as a leak over ten minutes.
const gcOnSignal = `--expose-gc --require ${join(root, 'scripts/stack/gc-on-signal.cjs')}`;
const stack = await launchStack({ env: { ...influx, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${gcOnSignal}`.trim() } });
const { ports } = stack;
const stop = () => stack.stop();
process.on('SIGINT', () => void stop().then(() => process.exit(130)));

/** Process name → pid (each is its own process group), from the launcher's lines. */
const pids = () => stack.pids();
// Every process exports heap used and event-loop lag under prom-client's names (the functions through
// faas-js-runtime, the broker and the MQTT endpoint themselves).
const metricsPorts = { broker: ports.BROKER_PORT, 'mqtt-endpoint': ports.MQTT_METRICS_PORT, converter: ports.CONVERTER_PORT, validator: ports.VALIDATOR_PORT, 'influx-writer': ports.INFLUX_WRITER_PORT, 'http-ingest': ports.HTTP_INGEST_PORT, 'live-console': ports.CONSOLE_PORT };
async function processFigures(name) {
  const port = metricsPorts[name];
  if (!port) return {};
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
  const read = (metric) => { const m = new RegExp(`^${metric}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text); return m ? Number(m[1]) : undefined; };
  const lag = read('nodejs_eventloop_lag_p99_seconds');
  const heap = read('nodejs_heap_size_used_bytes');
  return { lagMs: lag === undefined ? undefined : lag * 1000, heapMb: heap === undefined ? undefined : heap / 1048576 };
}

// Load: half the readings over HTTP, half over MQTT QoS 1, ten devices through the demo gateway.
const auth = `Basic ${Buffer.from('gateway1@demo:demo-gateway-secret').toString('base64')}`;
const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.MQTT_PORT}`, { username: 'gateway1@demo', password: 'demo-gateway-secret', protocolVersion: 5, reconnectPeriod: 1000 });
const counts = { sent: 0, acked: 0, refused: 0 };
let n = 0;
const load = setInterval(() => {
  const i = n++;
  const device = `soak-${i % 10}`;
  const body = JSON.stringify({ temperature: 20 + (i % 100) / 10 });
  counts.sent++;
  const done = (ok) => (ok ? counts.acked++ : counts.refused++);
  if (i % 2 === 0) fetch(`http://127.0.0.1:${ports.HTTP_INGEST_PORT}/?channel=temperature&as=${device}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body }).then(async (r) => { await r.arrayBuffer(); done(r.status === 202); }, () => done(false));
  else client.publishAsync(`temperature/${device}`, body, { qos: 1 }).then(() => done(true), () => done(false));
}, 1000 / rate);

const samples = []; // { t, rss: {name: MB}, lag: {name: ms} }
const started = Date.now();
async function sample() {
  const rss = {};
  const lag = {};
  const heap = {};
  // Each process's node found once (ps), told to collect its garbage, then read after it did.
  const nodes = Object.entries(pids()).map(([name, pid]) => [name, nodePid(pid)]);
  for (const [, node] of nodes) {
    if (node !== undefined) try { process.kill(Number(node), 'SIGUSR2'); } catch { /* gone: its sample says so */ }
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const [name, node] of nodes) {
    rss[name] = node === undefined ? 0 : pidRssMb(node);
    const f = await processFigures(name);
    if (f.lagMs !== undefined) lag[name] = f.lagMs;
    if (f.heapMb !== undefined) heap[name] = f.heapMb;
  }
  samples.push({ t: (Date.now() - started) / 60_000, rss, lag, heap });
  say(`[soak] ${((Date.now() - started) / 1000).toFixed(0)} s: sent ${counts.sent}, acked ${counts.acked}, refused ${counts.refused}; RSS ${Object.entries(rss).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} MB`);
}
await sample();
while (Date.now() - started < durationMs) {
  await new Promise((r) => setTimeout(r, Math.min(sampleMs, durationMs - (Date.now() - started))));
  await sample();
}
clearInterval(load);
for (const t = Date.now(); counts.acked + counts.refused < counts.sent && Date.now() - t < 20_000;) await new Promise((r) => setTimeout(r, 100));
await client.endAsync();
await stop();

/** Least-squares slope (MB per minute) over the second half of the samples: warm-up excluded. */
function slope(points) {
  const half = points.slice(Math.floor(points.length / 2));
  if (half.length < 2) return 0;
  const mx = half.reduce((a, p) => a + p[0], 0) / half.length;
  const my = half.reduce((a, p) => a + p[1], 0) / half.length;
  const num = half.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = half.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
const names = Object.keys(samples.at(-1).rss);
// RSS only grows to a plateau (V8 keeps what it has taken), so the trend is judged on the JS heap in use
// where the process exports it, and on RSS otherwise.
const rows = names.map((name) => {
  const series = samples.filter((s) => s.rss[name] !== undefined).map((s) => [s.t, s.rss[name]]);
  const heap = samples.filter((s) => s.heap[name] !== undefined).map((s) => [s.t, s.heap[name]]);
  const lags = samples.map((s) => s.lag[name]).filter((v) => v !== undefined);
  // The heap is a sawtooth (allocation, then collection): its lower envelope, the minimum of each minute,
  // is what a leak lifts. Shorter windows miss the major collections and read old-space filling as growth.
  const envelope = [];
  const window = Math.max(3, Math.round(60_000 / sampleMs));
  for (let i = 0; i + window <= heap.length; i += window) envelope.push(heap.slice(i, i + window).reduce((a, b) => (b[1] < a[1] ? b : a)));
  const judged = envelope.length >= 4 ? envelope : heap.length >= 2 ? heap : series;
  const s = slope(judged);
  return { name, first: series[0][1], last: series.at(-1)[1], max: Math.max(...series.map((p) => p[1])), heapFirst: heap[0]?.[1], heapLast: heap.at(-1)?.[1], on: envelope.length >= 4 ? 'heap, lowest each minute' : heap.length >= 2 ? 'heap' : 'RSS', slope: s, lagMaxMs: lags.length ? Math.max(...lags) : undefined, trend: s > maxSlope };
});
const md = [
  '# kiot soak run',
  '',
  `${new Date().toISOString()}: ${(durationMs / 60_000).toFixed(1)} minutes at ${rate} readings/s (half HTTP, half MQTT QoS 1), sampled every ${sampleMs / 1000} s, Node ${process.version}.`,
  `Readings: ${counts.sent} sent, ${counts.acked} acked, ${counts.refused} refused. A trend is a second-half slope above ${maxSlope} MB/min of the JS heap in use, read right after a full garbage collection (RSS grows to a plateau: V8 keeps the memory it has taken).`,
  '',
  '| process | RSS first | RSS last | RSS max | heap used first → last | slope (MB/min, 2nd half) | event-loop lag p99 max | trend |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.first.toFixed(0)} MB | ${r.last.toFixed(0)} MB | ${r.max.toFixed(0)} MB | ${r.heapFirst === undefined ? '—' : `${r.heapFirst.toFixed(1)} → ${r.heapLast.toFixed(1)} MB`} | ${r.slope.toFixed(2)} (${r.on}) | ${r.lagMaxMs === undefined ? '—' : `${r.lagMaxMs.toFixed(1)} ms`} | ${r.trend ? 'GROWING' : 'none'} |`),
  '',
].join('\n');
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, md);
say(md);
process.exit(rows.some((r) => r.trend) || counts.acked === 0 ? 1 : 0);
