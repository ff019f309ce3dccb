/** Counters and gauges in Prometheus text format, for the endpoint's metrics port. */
export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, () => number>();

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = `${name}${Object.keys(labels).length === 0 ? '' : `{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  gauge(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  get(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  text(): string {
    const lines: string[] = [];
    const typed = new Set<string>();
    for (const [name, read] of this.gauges) lines.push(`# TYPE ${name} gauge`, `${name} ${read()}`);
    for (const [key, v] of [...this.counters.entries()].sort()) {
      const name = key.split('{')[0]!;
      if (!typed.has(name)) {
        typed.add(name);
        lines.push(`# TYPE ${name} counter`);
      }
      lines.push(`${key} ${v}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
