/**
 * Readings gathered into normalized records, one per time (to the nanosecond the payload gives):
 * InfluxDB keeps one point per series and time, so readings of one time are merged. Two different values for one key at one time would
 * overwrite each other there, so they are refused (422) rather than one of them silently lost.
 */
import { unprocessable, type NormalizedRecord, type Value } from '@kiot/core';
import { compareInstants, instantText, type Instant } from './times';

export class RecordsByTime {
  /** By epoch milliseconds for the times that have no digits below them (nearly all), else by canonical text. */
  private readonly byTime = new Map<number | string, { at: Instant; record: NormalizedRecord; from: Map<string, number> }>();

  constructor(private readonly format: string) {}

  /** `time`: the record's time text when it is not the instant's canonical one (the event time as it came); `reading` names the reading in a refusal (its index in the payload). */
  add(at: Instant, values: Readonly<Record<string, Value>>, reading: number, time?: string): void {
    const key = at.nanos === 0 ? at.ms : instantText(at);
    let entry = this.byTime.get(key);
    if (entry === undefined) {
      entry = { at, record: { time: time ?? (typeof key === 'string' ? key : instantText(at)), values: {} }, from: new Map() };
      this.byTime.set(key, entry);
    }
    for (const [k, v] of Object.entries(values)) {
      const earlier = entry.from.get(k);
      if (earlier !== undefined && JSON.stringify(entry.record.values[k]) !== JSON.stringify(v)) {
        throw unprocessable(`${this.format}: readings ${earlier} and ${reading} both give ${JSON.stringify(k.slice(0, 64))} at ${instantText(at)}; one would overwrite the other, so give each reading its own time`, `${this.format}: readings overwrite each other`);
      }
      entry.record.values[k] = v;
      if (earlier === undefined) entry.from.set(k, reading);
    }
  }

  get size(): number {
    return this.byTime.size;
  }

  /** The records, oldest first. */
  records(): NormalizedRecord[] {
    return [...this.byTime.values()].sort((a, b) => compareInstants(a.at, b.at)).map((e) => e.record);
  }
}
