/**
 * The device simulator: N devices sending realistic temperature and humidity readings at a total
 * rate, until a count or a duration is reached, with a progress line (sent, acked, failed, rate).
 */
export interface SimulateOptions {
  readonly url: string;
  readonly devices: number;
  /** Readings per second, over all devices. */
  readonly rate: number;
  readonly count?: number;
  readonly durationS?: number;
  readonly user: string;
  readonly password: string;
  readonly channel: string;
  readonly concurrency: number;
  readonly progress: (line: string) => void;
  readonly send?: (device: string, body: string) => Promise<number>;
}

export interface SimulateResult {
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly seconds: number;
  /** Acknowledgement latency, milliseconds. */
  readonly p50: number;
  readonly p99: number;
}

/** A slow random walk around a plausible indoor climate. */
export class Climate {
  private t: number;
  private h: number;
  constructor(private readonly rand: () => number = Math.random) {
    this.t = 18 + rand() * 6;
    this.h = 35 + rand() * 20;
  }
  next(): { temperature: number; humidity: number } {
    this.t = Math.min(35, Math.max(5, this.t + (this.rand() - 0.5) * 0.4));
    this.h = Math.min(95, Math.max(10, this.h + (this.rand() - 0.5) * 1.0));
    return { temperature: Math.round(this.t * 100) / 100, humidity: Math.round(this.h * 10) / 10 };
  }
}

export async function simulate(o: SimulateOptions): Promise<SimulateResult> {
  if (o.count === undefined && o.durationS === undefined) throw new Error('give --count or --duration, so the simulator stops by itself');
  const auth = `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`;
  const gateway = o.user.split('@')[0];
  const send = o.send ?? (async (device: string, body: string) => {
    const as = device === gateway ? '' : `&as=${encodeURIComponent(device)}`;
    const res = await fetch(`${o.url.replace(/\/$/, '')}/?channel=${encodeURIComponent(o.channel)}${as}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  });
  const climates = Array.from({ length: o.devices }, () => new Climate());
  const start = Date.now();
  const deadline = o.durationS === undefined ? Infinity : start + o.durationS * 1000;
  const limit = o.count ?? Infinity;
  let sent = 0, acked = 0, failed = 0, inflight = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const report = (): void => o.progress(`sent ${sent} acked ${acked} failed ${failed} rate ${Math.round(acked / Math.max(0.001, (Date.now() - start) / 1000))}/s`);
  const timer = setInterval(report, 1000);
  try {
    const waiters: (() => void)[] = [];
    while (sent < limit && Date.now() < deadline) {
      // Pace: reading number `sent` is due at start + sent/rate seconds.
      const due = start + (sent / o.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inflight >= o.concurrency) await new Promise<void>((r) => waiters.push(r));
      const i = sent % o.devices;
      const device = o.devices === 1 && gateway !== undefined ? gateway : `sim-${i + 1}`;
      sent++;
      inflight++;
      const t0 = performance.now();
      void send(device, JSON.stringify(climates[i]!.next()))
        .then((status) => {
          latencies.push(performance.now() - t0);
          statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
          if (status >= 200 && status < 300) acked++;
          else failed++;
        }, () => {
          statuses['error'] = (statuses['error'] ?? 0) + 1;
          failed++;
        })
        .finally(() => {
          inflight--;
          waiters.shift()?.();
        });
    }
    while (inflight > 0) await new Promise<void>((r) => waiters.push(r));
  } finally {
    clearInterval(timer);
  }
  report();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => Math.round((latencies[Math.floor(p * (latencies.length - 1))] ?? 0) * 10) / 10;
  return { sent, acked, failed, statuses, seconds: (Date.now() - start) / 1000, p50: q(0.5), p99: q(0.99) };
}
