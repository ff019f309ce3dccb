// The local stack started on free ports with a var directory of its own, as the tests, the
// end-to-end bench and the soak run start it: one place that picks the ports, starts the
// launcher in its own process group, waits for "[stack] ready" and stops it like Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../free-ports.mjs';
import { root, stackPortVariables } from './plan.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `viaNpm`: `npm start --silent` (builds first, as a user runs it) instead of the launcher itself.
 * `env` is added last, so it may move anything, the var directory included.
 */
export async function launchStack({ env = {}, viaNpm = false, readyMs = 60_000 } = {}) {
  const names = stackPortVariables();
  const free = await freePorts(names.length);
  const ports = Object.fromEntries(names.map((k, i) => [k, free[i]]));
  const varDir = env.KIOT_VAR_DIR ?? mkdtempSync(join(tmpdir(), 'kiot-stack-'));
  const fullEnv = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), KIOT_VAR_DIR: varDir, ...env };
  const [command, args] = viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, [join(root, 'scripts/stack/start.mjs')]];
  const child = spawn(command, args, { cwd: root, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stack = {
    ports,
    varDir,
    child,
    output: () => out,
    /** The current process (group leader) of a member, from the launcher's "started NAME pid N" lines. */
    pid: (name) => Number([...out.matchAll(new RegExp(`\\[stack\\] started ${name} pid (\\d+)`, 'g'))].at(-1)?.[1]),
    pids: () => Object.fromEntries([...out.matchAll(/\[stack\] started (\S+) pid (\d+)/g)].map((m) => [m[1], Number(m[2])])),
    /** How many times the launcher started a member: more than once means it crashed and was restarted. */
    starts: (name) => (out.match(new RegExp(`\\[stack\\] started ${name} pid`, 'g')) ?? []).length,
    /** Ctrl-C: SIGINT to the process group; resolves with the exit code or signal. */
    interrupt: () => new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? String(code)));
      process.kill(-child.pid, 'SIGINT');
    }),
    /** Stops it like Ctrl-C (so its children stop too), then SIGKILL if it hangs. */
    async stop() {
      if (!running()) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGKILL on the launcher alone would orphan the functions (each runs in its own process group).
      try { process.kill(-child.pid, 'SIGINT'); } catch { return; }
      const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  for (const deadline = Date.now() + readyMs; !out.includes('[stack] ready'); await sleep(100)) {
    if (!running() || Date.now() > deadline) {
      await stack.stop();
      throw new Error(`the stack did not come up:\n${out.slice(-4000)}`);
    }
  }
  return stack;
}
