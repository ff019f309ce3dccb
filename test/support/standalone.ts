/**
 * A function folder as `func build` sees it: copied alone to a temporary directory, production
 * dependencies installed from its own lockfile, started as its container starts it (`npm start`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from './runtime';

export interface Standalone {
  readonly url: string;
  readonly dir: string;
  output(): string;
  stop(): Promise<number | null>;
}

export function copyAlone(folder: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'kiot-alone-')), basename(folder));
  cpSync(folder, dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
  return dir;
}

export function installProduction(dir: string): void {
  const args = existsSync(join(dir, 'package-lock.json')) ? ['ci', '--omit=dev'] : ['install', '--omit=dev'];
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${dir}:\n${r.stderr}`);
}

/** `npm run build` as the buildpack runs it (BP_NODE_RUN_SCRIPTS=build): must succeed in the folder alone. */
export function buildpackBuild(dir: string): void {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed in ${dir}:\n${r.stderr}`);
}

/** A copy made by copyAlone, started; stopping it removes the copy. */
export const startAlone = (dir: string, env: Record<string, string>): Promise<Standalone> => startNpm(dir, env, () => rmSync(dir, { recursive: true, force: true }));

/** A function folder of this repository, built, started in place as its container starts it: the runtime as kiot builds it. */
export const startInPlace = (dir: string, env: Record<string, string>): Promise<Standalone> => startNpm(dir, env, () => undefined);

async function startNpm(dir: string, env: Record<string, string>, cleanUp: () => void): Promise<Standalone> {
  const port = await freePort();
  // Only the system PATH plus this repo's Node 22: nothing from the repository's node_modules.
  const child: ChildProcess = spawn('npm', ['start', '--silent'], { cwd: dir, env: { PATH: `${dirnameOfNode()}:/usr/local/bin:/usr/bin:/bin`, HOME: process.env['HOME'] ?? '/tmp', FUNC_PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/readiness`, { signal: AbortSignal.timeout(500) })).status === 200) break;
    } catch { /* not yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
      throw new Error(`${dir} did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dir,
    output: () => out,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => { cleanUp(); resolve(code); });
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { resolve(null); }
    }),
  };
}

/** The folder of the node binary running the tests (Node 22, from the node devDependency). */
function dirnameOfNode(): string {
  return process.execPath.replace(/\/[^/]+$/, '');
}
