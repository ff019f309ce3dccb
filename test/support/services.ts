/**
 * Real services for tests. On a laptop without them a suite skips with one line saying what to
 * install; under CI (CI=true) a missing service fails the run instead, so nothing is skipped there.
 */
export const VM_URL = process.env['KIOT_VM_URL'] ?? 'http://127.0.0.1:8428';

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1500) })).ok;
  } catch {
    return false;
  }
}

/** What a suite does without a real service or tool it needs: skip with `line` on a laptop, fail under CI. */
export function missing(ctx: Mocha.Context, line: string): never {
  if (process.env['CI'] === 'true') throw new Error(`${line} (CI=true: real-service tests may not be skipped)`);
  console.log(`      skipped: ${line}`);
  ctx.skip();
}

/** Call in a `before` hook with `function () {…}` so `this.skip()` works. */
export async function needService(ctx: Mocha.Context, name: string, probeUrl: string, hint: string): Promise<void> {
  if (await answers(probeUrl)) return;
  missing(ctx, `${name} is not running at ${probeUrl}: ${hint}`);
}

export const needVictoriaMetrics = (ctx: Mocha.Context): Promise<void> =>
  needService(ctx, 'VictoriaMetrics', `${VM_URL}/health`, 'apt-get install victoria-metrics, then scripts/services/start');

export const INFLUX1_URL = process.env['KIOT_INFLUXDB1_URL'] ?? 'http://127.0.0.1:18086';

export const needInfluxDB1 = (ctx: Mocha.Context): Promise<void> =>
  needService(ctx, 'InfluxDB 1.x', `${INFLUX1_URL}/ping`, 'apt-get install influxdb, then scripts/services/start');

/** Runs one InfluxQL statement on the InfluxDB 1.x server; times in epoch milliseconds. */
export async function influxQL(q: string, db?: string): Promise<{ results: { series?: { name: string; columns: string[]; values: unknown[][] }[]; error?: string }[] }> {
  const res = await fetch(`${INFLUX1_URL}/query?${new URLSearchParams({ q, epoch: 'ms', ...(db ? { db } : {}) }).toString()}`, { method: 'POST' });
  if (!res.ok) throw new Error(`InfluxDB 1.x answered ${res.status} to ${q}: ${await res.text()}`);
  return (await res.json()) as { results: { series?: { name: string; columns: string[]; values: unknown[][] }[] }[] };
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** Reads series back from VictoriaMetrics (/api/v1/export), e.g. match = '{__name__=~"temperature_.*",device="d1"}'. */
export async function exportSeries(match: string, vm = VM_URL): Promise<ExportedSeries[]> {
  await fetch(`${vm}/internal/force_flush`).catch(() => undefined);
  const res = await fetch(`${vm}/api/v1/export?${new URLSearchParams({ 'match[]': match }).toString()}`);
  const text = await res.text();
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ExportedSeries);
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 10_000, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
