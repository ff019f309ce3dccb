/**
 * Readings gathered into normalized records, one per time: InfluxDB keeps one point per series and
 * time, so readings of one time are merged. Two different values for one key at one time would
 * overwrite each other there, so they are refused (422) rather than one of them silently lost.
 */
import { unprocessable, type NormalizedRecord, type Value } from '@kiot/core';

export class RecordsByTime {
  private readonly byTime = new Map<number, { record: NormalizedRecord; from: Map<string, number> }>();

  constructor(private readonly format: string) {}

  /** `reading` names the reading in a refusal (its index in the payload). */
  add(ms: number, time: string, values: Readonly<Record<string, Value>>, reading: number): void {
    let at = this.byTime.get(ms);
    if (at === undefined) {
      at = { record: { time, values: {} }, from: new Map() };
      this.byTime.set(ms, at);
    }
    for (const [k, v] of Object.entries(values)) {
      const earlier = at.from.get(k);
      if (earlier !== undefined && JSON.stringify(at.record.values[k]) !== JSON.stringify(v)) {
        throw unprocessable(`${this.format}: readings ${earlier} and ${reading} both give ${JSON.stringify(k.slice(0, 64))} at ${new Date(ms).toISOString()}; one would overwrite the other, so give each reading its own time`, `${this.format}: readings overwrite each other`);
      }
      at.record.values[k] = v;
      if (earlier === undefined) at.from.set(k, reading);
    }
  }

  get size(): number {
    return this.byTime.size;
  }

  /** The records, oldest first. */
  records(): NormalizedRecord[] {
    return [...this.byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r.record);
  }
}
