// What the local stack runs, with which ports and env: a pure function of the environment,
// so the stack launcher and the tests agree on it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const int = (env, name, fallback) => {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got ${JSON.stringify(v)}`);
  return n;
};

/** The ports a user moves by name, with their defaults; internal functions' ports follow portVar. */
const NAMED_PORTS = { 'http-ingest': ['HTTP_INGEST_PORT', 8080], broker: ['BROKER_PORT', 8081], 'live-console': ['CONSOLE_PORT', 8088], mqtt: ['MQTT_PORT', 1883], 'mqtt-metrics': ['MQTT_METRICS_PORT', 9464] };

/** Env var holding a function's port: converter → CONVERTER_PORT. */
export const portVar = (name) => `${name.toUpperCase().replace(/-/g, '_')}_PORT`;

/** The variable that moves a port of the stack (a key of stackPlan's `ports`). */
const portVariable = (key) => NAMED_PORTS[key]?.[0] ?? portVar(key);

const functionNames = () => readdirSync(join(root, 'functions')).filter((n) => existsSync(join(root, 'functions', n, 'func.yaml'))).sort();

/** Every variable that moves a port of the whole stack: what a test or a soak run sets to free ports. */
export const stackPortVariables = () => [...new Set([...Object.keys(NAMED_PORTS), ...functionNames()].map(portVariable))];

/**
 * A folder's `npm start` as node run directly: `--cpu-prof` is one of the flags NODE_OPTIONS may not
 * carry, so profiling starts the script's command without npm. The script's leading `NAME=${NAME:-default}`
 * assignments (the functions' malloc setting) become env, with the same defaulting.
 */
export function directStart(folder, nodeFlags, env = process.env) {
  const words = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).scripts.start.split(' ');
  const assigned = {};
  for (let m; (m = /^([A-Z_][A-Z0-9_]*)=(?:\$\{\1:-([^}]*)\}|([^$]*))$/.exec(words[0] ?? '')); words.shift()) assigned[m[1]] = m[2] !== undefined ? env[m[1]] || m[2] : m[3];
  const [node, ...args] = words;
  if (node !== 'node') throw new Error(`${folder}: its start script does not run node`);
  return { command: process.execPath, args: [...nodeFlags, ...args], env: assigned };
}

/** KIOT_CPU_PROF_DIR: every process runs under --cpu-prof, writing to DIR/<name> when it stops. */
function profiled(p, dir) {
  if (!dir) return p;
  const flags = ['--cpu-prof', `--cpu-prof-dir=${join(dir, p.name)}`];
  if (p.command !== 'npm') return { ...p, args: [...flags, ...p.args] };
  const direct = directStart(p.cwd, flags);
  return { ...p, command: direct.command, args: direct.args, env: { ...direct.env, ...p.env } };
}

export function stackPlan(env = process.env) {
  const host = '127.0.0.1';
  const ports = Object.fromEntries(Object.entries(NAMED_PORTS).map(([key, [variable, fallback]]) => [key, int(env, variable, fallback)]));
  /** What a process listens on: the port and the variable that moves it. */
  const listen = (key) => ({ port: ports[key], variable: portVariable(key) });
  const functions = functionNames();
  let next = int(env, 'KIOT_INTERNAL_PORT_BASE', 8090);
  for (const name of functions) if (ports[name] === undefined) ports[name] = int(env, portVar(name), next++);
  const brokerUrl = `http://${host}:${ports.broker}/kiot/kiot`;
  const influx = env.INFLUX_URL ? { INFLUX_URL: env.INFLUX_URL, INFLUX_TOKEN: env.INFLUX_TOKEN ?? '', INFLUX_ORG: env.INFLUX_ORG ?? '', INFLUX_BUCKET: env.INFLUX_BUCKET ?? 'kiot' } : undefined;
  const registry = env.KIOT_REGISTRY_FILE ?? join(root, 'scripts/stack/demo-registry.yaml');
  const varDir = env.KIOT_VAR_DIR ?? join(root, 'var');
  const absent = [];
  const processes = [];
  // KIOT_STACK_WITHOUT=a,b: functions left out; the broker disables their Triggers, as on a cluster without them.
  const without = new Set((env.KIOT_STACK_WITHOUT ?? '').split(',').map((n) => n.trim()).filter(Boolean));
  const unknown = [...without].filter((n) => !functions.includes(n));
  if (unknown.length > 0) throw new Error(`KIOT_STACK_WITHOUT names no function: ${unknown.join(', ')} (functions: ${functions.join(', ')})`);
  for (const name of functions) {
    if (without.has(name)) { absent.push(name); continue; }
    const local = { FUNC_PORT: String(ports[name]), FUNC_LOG_LEVEL: env.FUNC_LOG_LEVEL ?? 'warn' };
    // The embedded broker answers as soon as an event is queued in memory: the endpoints pipeline their hand-offs to it (*_SINK_PIPELINING).
    if (name === 'http-ingest') Object.assign(local, { K_SINK: brokerUrl, INGEST_REGISTRY_FILE: registry, FUNC_BODY_LIMIT: String(1024 * 1024), INGEST_SINK_PIPELINING: '16' });
    if (name === 'influx-writer') {
      if (!influx) { absent.push(name); continue; }
      Object.assign(local, influx);
    }
    processes.push({ name, kind: 'function', cwd: join(root, 'functions', name), command: 'npm', args: ['start', '--silent'], env: local, listens: [listen(name)], ready: `http://${host}:${ports[name]}/health/readiness` });
  }
  const services = functions.filter((n) => !absent.includes(n)).map((n) => `${n}=http://${host}:${ports[n]}`).join(',');
  processes.unshift({
    name: 'broker', kind: 'broker', cwd: root, command: process.execPath, args: [join(root, 'broker/build/main.js')], listens: [listen('broker')], ready: `http://${host}:${ports.broker}/readyz`,
    env: { BROKER_PORT: String(ports.broker), BROKER_HOST: host, BROKER_SERVICES: services, BROKER_ABSENT_SERVICES: absent.join(','), BROKER_EVENTING_DIRS: env.KIOT_EVENTING_DIRS ?? join(root, 'eventing/base'), BROKER_SINKS_DIR: join(varDir, 'sinks'), BROKER_JOURNAL_DIR: join(varDir, 'broker') },
  });
  if (existsSync(join(root, 'endpoints/mqtt/build/main.js'))) {
    // Started as its container starts it: `npm start` in its folder.
    processes.push({ name: 'mqtt-endpoint', kind: 'endpoint', cwd: join(root, 'endpoints/mqtt'), command: 'npm', args: ['start', '--silent'], listens: [listen('mqtt'), listen('mqtt-metrics')], ready: `http://${host}:${ports['mqtt-metrics']}/readyz`, env: { MQTT_HOST: host, MQTT_PORT: String(ports.mqtt), MQTT_METRICS_PORT: String(ports['mqtt-metrics']), K_SINK: brokerUrl, MQTT_REGISTRY_FILE: registry, MQTT_SINK_PIPELINING: '16' } });
  }
  // Two processes told to listen on one port would fail only when the second starts.
  const seen = new Map();
  for (const { port, variable } of processes.flatMap((p) => p.listens)) {
    if (seen.has(port)) throw new Error(`${variable} and ${seen.get(port)} are both ${port}: give each its own port`);
    seen.set(port, variable);
  }
  return { host, ports, brokerUrl, influx, absent, registry, processes: processes.map((p) => profiled(p, env.KIOT_CPU_PROF_DIR)) };
}
