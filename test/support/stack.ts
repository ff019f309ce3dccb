/** Starts the local stack as `npm start` does, on free ports, and stops it like Ctrl-C. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './runtime';
import { eventually, VM_URL } from './services';

const ROOT = join(__dirname, '../..');

export interface Stack {
  readonly ports: Record<string, number>;
  readonly varDir: string;
  readonly child: ChildProcess;
  output(): string;
  /** The current process (group leader) of a stack member, from the launcher's "started NAME pid N" lines. */
  pid(name: string): number;
  /** How many times the launcher has started a member: more than once means it crashed and was restarted. */
  starts(name: string): number;
  /** Ctrl-C: SIGINT to the foreground process group. Resolves with the exit code or signal. */
  interrupt(): Promise<string>;
  /** Stops the stack like Ctrl-C (so its children stop too), then SIGKILL if it hangs. */
  stop(): Promise<void>;
}

export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const names = (await import('../../scripts/stack/plan.mjs')).stackPortVariables();
  const free = await freePorts(names.length);
  const ports: Record<string, number> = Object.fromEntries(names.map((k, i) => [k, free[i]!]));
  const varDir = mkdtempSync(join(tmpdir(), 'kiot-stack-'));
  const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), KIOT_VAR_DIR: varDir, INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot', INFLUX_ORG: 'kiot', INFLUX_TOKEN: '', ...extraEnv };
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await eventually(async () => (out.includes('[stack] ready') ? true : child.exitCode !== null ? Promise.reject(new Error(out)) : undefined), 60_000).catch(() => {
    throw new Error(`the stack did not come up:\n${out}`);
  });
  return {
    ports,
    varDir,
    child,
    output: () => out,
    pid: (name) => Number([...out.matchAll(new RegExp(`\\[stack\\] started ${name} pid (\\d+)`, 'g'))].at(-1)?.[1]),
    starts: (name) => (out.match(new RegExp(`\\[stack\\] started ${name} pid`, 'g')) ?? []).length,
    interrupt: () => new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? String(code)));
      process.kill(-child.pid!, 'SIGINT');
    }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // SIGKILL on the launcher would orphan the functions (each runs in its own process group).
      try { process.kill(-child.pid!, 'SIGINT'); } catch { return; }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const deviceAuth = `Basic ${Buffer.from('device1@demo:demo-secret').toString('base64')}`;
