#!/usr/bin/env node
// `npm start`: the whole kiot pipeline on one machine, wired by eventing/ through the embedded
// broker. Each function runs exactly as its container does (`npm start` in its folder).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { stackPlan } from './plan.mjs';

const say = (line) => process.stdout.write(`${line}\n`);

let plan;
try {
  plan = stackPlan(process.env);
} catch (err) {
  say(`[stack] ${err.message}`);
  process.exit(1);
}

/** Whether a port can be listened on: tried on :: (which conflicts with 127.0.0.1 too), or 127.0.0.1 where there is no IPv6. */
function free(port, host = '::') {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e) => resolve(e.code === 'EADDRINUSE' ? false : host === '::' ? free(port, '127.0.0.1') : true));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

// A port already taken stops the start with every one named: a function that cannot listen would otherwise be restarted forever.
const listens = plan.processes.flatMap((p) => p.listens.map((l) => ({ ...l, name: p.name })));
const taken = (await Promise.all(listens.map(async (l) => ((await free(l.port)) ? undefined : l)))).filter(Boolean);
if (taken.length > 0) {
  for (const l of taken) say(`[stack] port ${l.port} (${l.name}) is in use: stop what listens there, or set ${l.variable} to another port`);
  process.exit(1);
}
const children = new Map();
let stopping = false;

function launch(p, attempt = 0) {
  const child = spawn(p.command, p.args, { cwd: p.cwd, env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.set(p.name, child);
  say(`[stack] started ${p.name} pid ${child.pid}`);
  const prefix = `[${p.name}]`;
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) if (l.trim() !== '') process.stdout.write(`${prefix} ${l}\n`);
    });
  }
  const started = Date.now();
  child.on('exit', (code, signal) => {
    children.delete(p.name);
    if (stopping) return;
    // A child that crashes is reported and restarted, with a growing pause if it keeps crashing.
    const quick = Date.now() - started < 5000;
    const next = quick ? attempt + 1 : 0;
    const delay = Math.min(30_000, 500 * 2 ** next);
    say(`[stack] ${p.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
    setTimeout(() => { if (!stopping) launch(p, next); }, delay);
  });
}

async function waitReady(p, deadline) {
  if (!p.ready) return true;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(p.ready, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

function stop(signal) {
  if (stopping) return;
  stopping = true;
  say(`[stack] ${signal}: stopping ${children.size} processes`);
  for (const child of children.values()) try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
  const force = setTimeout(() => {
    for (const child of children.values()) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    process.exit(1);
  }, 8000);
  const check = setInterval(() => {
    if (children.size === 0) { clearInterval(check); clearTimeout(force); process.exit(0); }
  }, 50);
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const [broker, ...rest] = plan.processes;
launch(broker);
if (!(await waitReady(broker, Date.now() + 15_000))) { say('[stack] the broker did not become ready; see its log above'); stop('startup failure'); }
for (const p of rest) launch(p);
const ready = await Promise.all(rest.map((p) => waitReady(p, Date.now() + 30_000)));
rest.forEach((p, i) => { if (!ready[i]) say(`[stack] ${p.name} is not ready yet; see its log above`); });

const { ports, host } = plan;
say(`
  kiot is running                                    (Ctrl-C stops everything)

  HTTP ingest     http://${host}:${ports['http-ingest']}/
  broker ingress  ${plan.brokerUrl}   metrics: http://${host}:${ports.broker}/metrics
  dead letters    http://${host}:${ports.broker}/sinks/kiot-dead-letters   rejects: http://${host}:${ports.broker}/sinks/kiot-rejects
  live console    ${plan.absent.includes('live-console') ? 'left out (KIOT_STACK_WITHOUT)' : `http://${host}:${ports['live-console']}/`}
  MQTT            mqtt://${host}:${ports.mqtt}   metrics: http://${host}:${ports['mqtt-metrics']}/metrics
  InfluxDB        ${plan.influx ? `${plan.influx.INFLUX_URL} bucket ${plan.influx.INFLUX_BUCKET}` : 'not configured: set INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET to store readings (validated readings are not written)'}

  demo device (local only): demo / device1, password demo-secret

  mosquitto_pub -h ${host} -p ${ports.mqtt} -u device1@demo -P demo-secret -q 1 -t temperature -m '{"temperature": 21.5}'
  curl -i -u device1@demo:demo-secret -H 'content-type: application/json' -d '{"temperature": 21.5}' 'http://${host}:${ports['http-ingest']}/?channel=temperature'
`);
say('[stack] ready');
