/** Counters and gauges in Prometheus text format, for the metrics port of a long-lived process (the MQTT endpoint, the Kafka-direct writer). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { processMetrics } from './process-metrics';

type Labels = Readonly<Record<string, string>>;

const UNQUOTABLE = /["\\\n]/;
const UNQUOTABLE_ALL = /["\\\n]/g;

/** `name{k="v",…}`; quotes, backslashes and newlines in values become _. Built without arrays: the MQTT endpoint counts three series a publish. */
function seriesKey(name: string, labels: Labels): string {
  let key = name;
  let sep = '{';
  for (const k in labels) {
    const v = labels[k]!;
    key += `${sep}${k}="${UNQUOTABLE.test(v) ? v.replace(UNQUOTABLE_ALL, '_') : v}"`;
    sep = ',';
  }
  return sep === '{' ? key : `${key}}`;
}

export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, () => number>();
  /** Gauges set as things happen (a partition's lag after each batch), by series. */
  private readonly values = new Map<string, number>();

  inc(name: string, labels: Labels = {}, by = 1): void {
    const key = seriesKey(name, labels);
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  /** One series' counter with its key made once, for counts taken on every publish; the series appears when first counted. */
  counter(name: string, labels: Labels = {}): (by?: number) => void {
    const key = seriesKey(name, labels);
    return (by = 1) => void this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  gauge(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  set(name: string, labels: Labels, value: number): void {
    this.values.set(seriesKey(name, labels), value);
  }

  get(key: string): number {
    return this.counters.get(key) ?? this.values.get(key) ?? 0;
  }

  text(): string {
    const lines: string[] = [];
    for (const [name, read] of this.gauges) lines.push(`# TYPE ${name} gauge`, `${name} ${read()}`);
    const typed = new Set<string>();
    for (const [series, type] of [[this.values, 'gauge'], [this.counters, 'counter']] as const) {
      for (const [key, v] of [...series.entries()].sort()) {
        const name = key.split('{')[0]!;
        if (!typed.has(name)) {
          typed.add(name);
          lines.push(`# TYPE ${name} ${type}`);
        }
        lines.push(`${key} ${v}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/**
 * The metrics and probes port of a long-lived process, for Prometheus and the kubelet: /metrics
 * (these metrics, then the process's heap and event-loop lag), /healthz (the process answers) and
 * /readyz (`ready()`). The caller listens where it is configured to.
 */
export function probeServer(metrics: Metrics, ready: () => boolean): Server {
  const processText = processMetrics();
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics.text() + processText());
      return;
    }
    if (req.url === '/healthz') return void res.writeHead(200).end('ok');
    if (req.url === '/readyz') {
      const ok = ready();
      return void res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'not ready');
    }
    res.writeHead(404).end();
  });
}
