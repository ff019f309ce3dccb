/**
 * A VictoriaMetrics of the suite's own (Debian's victoria-metrics binary, its own port and data),
 * so stopping it for an outage touches no other test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/runtime';
import { eventually, missing } from '../support/services';

export interface OwnTsdb {
  readonly url: string;
  /** Stops it the way a service manager does (SIGTERM: VictoriaMetrics flushes what it acked). */
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

export async function startOwnTsdb(): Promise<OwnTsdb> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'kiot-vm-'));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('victoria-metrics', [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${data}`, '-retentionPeriod=100y', '-search.latencyOffset=0s', '-loggerLevel=ERROR'], { stdio: 'ignore' });
    await eventually(async () => ((await fetch(`${url}/health`).catch(() => undefined))?.ok ? true : undefined), 20_000);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM'); });
  };
  await start();
  return { url, start, stop, remove: async () => { await stop(); rmSync(data, { recursive: true, force: true }); } };
}

/** Skips on a laptop without Debian's victoria-metrics package; fails under CI. */
export async function needVictoriaMetricsBinary(ctx: Mocha.Context): Promise<void> {
  const found = spawnSync('victoria-metrics', ['-version']).status === 0;
  if (found) return;
  missing(ctx, 'victoria-metrics is not installed: scripts/services/install');
}
