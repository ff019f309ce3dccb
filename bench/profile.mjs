// CPU profiles for targets that miss: the function runs under `node --cpu-prof` while the same
// load is applied, and the hottest frames (self time, and inclusive time in kiot's own code) are
// named in the results.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cannon, root } from './lib.mjs';
import { startFunctionProfiled } from './scenarios/targets.mjs';

/** A .cpuprofile's samples as { id, cf (the leaf's call frame), dt (µs) }, with its nodes by id and each node's parent. */
function readProfile(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = p.samples.map((id, i) => ({ id, cf: byId.get(id).callFrame, dt: p.timeDeltas[i] ?? 0 }));
  return { byId, parent, samples };
}

const add = (m, k, dt) => m.set(k, (m.get(k) ?? 0) + dt);

export function summarise(file) {
  const { byId, parent, samples } = readProfile(file);
  const label = (cf) => `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  let busy = 0;
  for (const { id: leaf, cf: leafFrame, dt } of samples) {
    if (leafFrame.functionName === '(idle)' || leafFrame.functionName === '(program)') continue;
    busy += dt;
    add(self, label(leafFrame), dt);
    const seen = new Set();
    for (let id = leaf; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id).callFrame;
      if (!/build\/index\.js|build\/consumer\.js|build\/main\.js/.test(cf.url)) continue;
      const k = label(cf);
      if (!seen.has(k)) { seen.add(k); add(incl, k, dt); }
    }
  }
  const top = (m, n) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${k} ${Math.round((100 * t) / busy)}%`);
  return { busyMs: Math.round(busy / 1000), self: top(self, 6), kiot: top(incl, 6) };
}

/** Where a frame's code lives: an npm package, a kiot bundle, Node itself, or V8 (compiling, collecting). */
function origin(cf) {
  if (!cf.url) return cf.functionName.startsWith('(') ? `${cf.functionName} (V8: parsing, compiling, bootstrap)`.replace('(garbage collector) (V8: parsing, compiling, bootstrap)', '(garbage collector)') : '(native)';
  if (cf.url.startsWith('node:')) return 'Node.js internals (module loading, bootstrap)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(cf.url);
  if (pkg) return `${pkg[1]} (node_modules)`;
  const bundle = /((?:functions|endpoints)\/[^/]+|broker|bench\/hello)\/build\/([^/]+)$/.exec(cf.url) ?? /(bench\/hello)\/([^/]+)$/.exec(cf.url);
  return bundle ? `${bundle[1]}/${bundle[2]} (bundle: kiot and what it inlines)` : cf.url.split('/').slice(-2).join('/');
}

/**
 * A start-up profile (process start → first reply) by where the time went: self time grouped by the
 * package or bundle that owns the code, V8's own work (parsing, compiling) included.
 */
export function summariseStartup(file) {
  const by = new Map();
  let busy = 0;
  for (const { cf, dt } of readProfile(file).samples) {
    if (cf.functionName === '(idle)') continue;
    busy += dt;
    add(by, origin(cf), dt);
  }
  return { busyMs: Math.round(busy / 1000), origins: [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, t]) => `${k} ${Math.round(t / 1000)} ms`) };
}

/** Profiles a function folder's bundle under load, started as its container starts it; returns the hottest frames. */
export async function profileFunction(name, env, request, seconds) {
  const dir = profileDir(name);
  const p = await startFunctionProfiled(name, env, request, dir);
  await cannon({ url: p.url + (request.path ?? '/'), headers: request.headers, body: request.body, connections: 32, duration: seconds });
  await p.stop();
  return summariseLatest(dir);
}

/** Where a process run with `--cpu-prof-dir=<dir>` wrote its profile: the newest one, summarised (under load by default). */
export function summariseLatest(dir, summary = summarise) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length > 0 ? summary(join(dir, files.at(-1))) : undefined;
}

/**
 * One target's directory for profiles under bench/results/profiles. `fresh` empties it first, so
 * what is found there later was written by this run, never an earlier one.
 */
export function profileDir(name, { fresh = false } = {}) {
  const dir = join(root, 'bench/results/profiles', name);
  if (fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
