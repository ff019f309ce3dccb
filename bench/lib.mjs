// Bench helpers: processes on loopback, autocannon in its own process, statistics, RSS.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = (name) => join(root, 'node_modules/.bin', name);

export { freePort, freePorts } from '../scripts/free-ports.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a server process; resolves once `probe()` succeeds. Records the time to that first success. */
export async function startProcess({ command, args, cwd, env, probe, timeoutMs = 30_000, stopTimeoutMs = 5000 }) {
  const t0 = process.hrtime.bigint();
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  let spawnError;
  child.on('error', (err) => (spawnError = err));
  child.stdout.on('data', (d) => (log = (log + d).slice(-4000)));
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`${command} could not start: ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited:\n${log}`);
    try {
      if (await probe()) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${command} ${args.join(' ')} did not answer:\n${log}`);
    await sleep(5);
  }
  const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    child,
    readyMs,
    log: () => log,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
      setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, stopTimeoutMs).unref();
    }),
  };
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds so far of each named process: { name: pid } → { name: seconds }. */
export const processCpu = (pids) => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));

/** CPU seconds so far: the whole machine's busy time, and each named process's own (undefined pids left out). */
export function cpuNow(pids) {
  return { machine: machineCpu().busy, ...processCpu(Object.fromEntries(Object.entries(pids).filter(([, pid]) => pid !== undefined))) };
}

/** CPU microseconds per unit (point, publish) between two cpuNow() readings, per key. */
export const cpuPerUnit = (a, b, units) => Object.fromEntries(Object.keys(b).map((k) => [k, Math.round(((b[k] - a[k]) * 1e8) / units) / 100]));

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineCpu() {
  const [, ...t] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = t[3] + t[4];
  const total = t.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** The node process under a leader (npm start → sh → node) with the largest RSS: { pid, kb }. */
function largestNode(leaderPid, match) {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' }).split('\n').map((l) => l.trim().split(/\s+/)).filter((r) => r.length >= 4);
  const kids = new Map();
  for (const [pid, ppid] of rows) kids.set(ppid, [...(kids.get(ppid) ?? []), pid]);
  const descendants = [];
  const walk = (p) => { for (const k of kids.get(p) ?? []) { descendants.push(k); walk(k); } };
  walk(String(leaderPid));
  const candidates = rows.filter((r) => (descendants.includes(r[0]) || r[0] === String(leaderPid)) && match.test(r.slice(3).join(' ')) && !/npm/.test(r.slice(3).join(' ')));
  return candidates.map((r) => ({ pid: r[0], kb: Number(r[2]) })).sort((x, y) => y.kb - x.kb)[0];
}

/** The pid of the node process below a process group leader (the one rssMb measures). */
export const nodePid = (leaderPid, match = /node/) => largestNode(leaderPid, match)?.pid;

/** Kilobytes as megabytes, to one decimal. */
const toMb = (kb) => Math.round(kb / 102.4) / 10;

/** RSS (MB) of one process, from /proc (what ps reports as rss); 0 once it is gone. */
export function pidRssMb(pid) {
  try {
    return toMb(Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0));
  } catch {
    return 0;
  }
}

/** RSS (MB) of the faas-js-runtime (or other node) process below a process group leader. */
export function rssMb(leaderPid, match = /node/) {
  return toMb(largestNode(leaderPid, match)?.kb ?? 0);
}

/** rssMb, and where that RSS lives (/proc status, MB): anonymous memory (V8 heap, malloc) and mapped files (the node binary, libraries). */
export function rssKinds(leaderPid, match = /node/) {
  const node = largestNode(leaderPid, match);
  if (!node) return undefined;
  const status = readFileSync(`/proc/${node.pid}/status`, 'utf8');
  const mb = (name) => toMb(Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN));
  return { rssMb: toMb(node.kb), anonMb: mb('RssAnon'), fileMb: mb('RssFile') };
}

/** Runs a node script (a load generator) in its own process; resolves with the JSON it prints. */
export function nodeJson(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${script} exited ${code}: ${err.slice(-500)}`))));
  });
}

/** Runs autocannon in a separate process and returns its JSON result. */
export function cannon({ url, method = 'POST', headers = {}, body, connections = 32, duration, amount, rate }) {
  const args = [url, '-m', method, '-c', String(connections), '--json'];
  if (duration) args.push('-d', String(duration));
  if (amount) args.push('-a', String(amount));
  if (rate) args.push('-R', String(rate));
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  if (body !== undefined) args.push('-b', body);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/autocannon/autocannon.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      try {
        const r = JSON.parse(out);
        resolve({ achieved: r.duration > 0 ? r.requests.total / r.duration : 0, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts, statuses: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])) });
      } catch {
        reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      }
    });
  });
}

export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: round(median), min: round(s[0]), max: round(s.at(-1)), runs: s.length };
}

/** Per key, the median over rows of like objects (CPU readings of several runs). */
export const medians = (rows) => Object.fromEntries(Object.keys(rows[0] ?? {}).map((key) => [key, stats(rows.map((r) => r[key])).median]));

export const round = (v) => (v >= 100 ? Math.round(v) : Math.round(v * 100) / 100);

export function environment() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown';
  return { cpu, cores: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()), node: process.version, date: new Date().toISOString() };
}
