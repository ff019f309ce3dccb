// The processes the benchmarks measure, each started as its container starts it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, root, startProcess } from '../lib.mjs';
import { directStart } from '../../scripts/stack/plan.mjs';

const CE = (type, body) => ({
  headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'bench-1', 'ce-type': type, 'ce-source': 'kiot://demo/device1', 'ce-subject': 'temperature', 'ce-time': '2026-01-01T00:00:00.000Z', 'ce-application': 'demo', 'ce-device': 'device1', 'ce-partitionkey': 'demo/device1' },
  body: JSON.stringify(body),
});
const normalized = { records: [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 21.5, humidity: 40 } }] };

export const REQUESTS = {
  plain: { headers: { 'content-type': 'application/json' }, body: '{"temperature":21.5,"humidity":40}' },
  ingest: { headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('device1@demo:demo-secret').toString('base64')}` }, body: '{"temperature":21.5,"humidity":40}', path: '/?channel=temperature' },
  raw: CE('io.kiot.telemetry.raw.v1', { temperature: 21.5, humidity: 40 }),
  converted: CE('io.kiot.telemetry.converted.v1', normalized),
  validated: CE('io.kiot.telemetry.validated.v1', normalized),
};

const ok = async (url, req) => {
  const res = await fetch(url + (req.path ?? '/'), { method: 'POST', headers: req.headers, body: req.body });
  await res.arrayBuffer();
  return res.status >= 200 && res.status < 300;
};

/** Starts a bare node:http server answering 202 (a sink, or the reference floor). */
export async function startBare() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = await startProcess({ command: process.execPath, args: [join(root, 'bench/hello/bare.js')], cwd: root, env: { FUNC_PORT: String(port) }, probe: () => ok(url, REQUESTS.plain) });
  return { ...p, url };
}

/** The hello-world faas-js-runtime function: the ceiling of every function figure. */
export async function startHello(request, env = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = await startProcess({ command: join(root, 'node_modules/.bin/faas-js-runtime'), args: [join(root, 'bench/hello/index.js')], cwd: join(root, 'bench/hello'), env: { FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'warn', ...env }, probe: () => ok(url, request) });
  return { ...p, url };
}

/**
 * A folder's process as a function's image starts it. `npm`: `npm start`, as the s2i builder's run
 * script does. `paketo`: the start script's command run by sh, as Paketo's npm-start buildpack writes
 * it into the image (func.yaml's builder, pack): no npm process, so none of npm's own start-up.
 */
export async function startAs(how, dir, env, request) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // npm puts node_modules/.bin on PATH; Paketo's npm-install buildpack does the same in the image.
  const path = `${join(dir, 'node_modules/.bin')}:${join(root, 'node_modules/.bin')}:${process.env.PATH}`;
  const command = how === 'npm' ? { command: 'npm', args: ['start', '--silent'] } : { command: 'sh', args: ['-c', JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts.start] };
  const p = await startProcess({ ...command, cwd: dir, env: { PATH: path, FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'warn', ...env }, probe: () => ok(url, request) });
  return { ...p, url };
}

/** The hello-world started as the functions are (npm start, or Paketo's start), so the cost of npm itself shows. */
export const startHelloAs = (how, request) => startAs(how, join(root, 'bench/hello'), {}, request);

/** A kiot function's start script run by node directly under --cpu-prof (which NODE_OPTIONS may not carry). */
export async function startFunctionProfiled(name, env, request, dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const direct = directStart(join(root, 'functions', name), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const p = await startProcess({ command: direct.command, args: direct.args, cwd: join(root, 'functions', name), env: { ...direct.env, FUNC_PORT: String(port), FUNC_LOG_LEVEL: 'warn', ...env }, probe: () => ok(url, request) });
  return { ...p, url };
}

/** A kiot function, started with `npm start` in its folder as its container starts it. */
export const startFunction = (name, env, request, how = 'npm') => startAs(how, join(root, 'functions', name), env, request);

export const VM_URL = process.env.KIOT_VM_URL ?? 'http://127.0.0.1:8428';
export const INFLUX1_URL = process.env.KIOT_INFLUXDB1_URL ?? 'http://127.0.0.1:18086';

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

export const vmAvailable = () => answers(`${VM_URL}/health`);

/**
 * Waits (up to `maxMs`) until VictoriaMetrics has no merge in progress and its in-memory rows are
 * flushed: a merge left from the last measurement would otherwise slow the next one, ceiling or path.
 * Returns the milliseconds waited.
 */
export async function vmSettled(maxMs = 30_000) {
  const t0 = Date.now();
  const busy = (text) => [...text.matchAll(/^(?:vm_active_merges|vm_pending_rows)\{[^}]*\} (\d+)/gm)].some((m) => Number(m[1]) > 0);
  while (Date.now() - t0 < maxMs && busy(await (await fetch(`${VM_URL}/metrics`)).text())) await new Promise((r) => setTimeout(r, 100));
  return Date.now() - t0;
}
export const influx1Available = () => answers(`${INFLUX1_URL}/ping`);

/** Per function: the env it needs (sink: a bare 202 server URL) and the request it gets. */
export function functionSpecs(sinkUrl) {
  return [
    { name: 'http-ingest', request: REQUESTS.ingest, ceiling: 'hello (HTTP)', env: { K_SINK: sinkUrl, INGEST_REGISTRY_FILE: join(root, 'scripts/stack/demo-registry.yaml'), INGEST_RATE_PER_SECOND: '10000000', INGEST_RATE_BURST: '10000000' } },
    { name: 'converter', request: REQUESTS.raw, ceiling: 'hello (CloudEvent)', env: {} },
    { name: 'validator', request: REQUESTS.converted, ceiling: 'hello (CloudEvent)', env: {} },
    { name: 'influx-writer', request: REQUESTS.validated, ceiling: 'hello (CloudEvent)', env: { INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot' }, needsVm: true },
  ];
}
