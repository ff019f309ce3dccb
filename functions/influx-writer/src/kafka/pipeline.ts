/**
 * Kafka-direct: a batch of records → InfluxDB lines, written in chunks of at most `maxLines`.
 * Records of types the writer does not take are skipped; a record that cannot be written (not a CloudEvent, not
 * normalized, refused by InfluxDB) goes to the dead-letter list with its reason; a transient
 * failure throws, so nothing is committed and the batch is read again.
 */
import { EVENT_TYPES, KiotError, PoisonRecord, recordEvent, type RawRecord } from '@kiot/core';
import type { Mapping } from '../config';
import { WriteFailure, type WriteLines } from '../influx';
import { eventLines } from '../event-lines';

export interface DeadLetter {
  readonly record: RawRecord;
  readonly reason: string;
}

export interface BatchResult {
  readonly written: number;
  readonly skipped: number;
  readonly dead: readonly DeadLetter[];
}

interface Prepared {
  readonly record: RawRecord;
  readonly lines: readonly string[];
}

function prepare(record: RawRecord, mapping: Mapping, inputTypes: readonly string[]): Prepared | 'skip' {
  const ev = recordEvent(record);
  if (ev.type !== EVENT_TYPES.rejected && !inputTypes.includes(ev.type)) return 'skip';
  try {
    return { record, lines: eventLines(ev, mapping) };
  } catch (err) {
    throw new PoisonRecord(err instanceof KiotError ? err.message : String(err));
  }
}

export async function processBatch(records: readonly RawRecord[], write: WriteLines, mapping: Mapping, maxLines: number, inputTypes: readonly string[] = [EVENT_TYPES.validated]): Promise<BatchResult> {
  const dead: DeadLetter[] = [];
  const ready: Prepared[] = [];
  let skipped = 0;
  for (const record of records) {
    try {
      const p = prepare(record, mapping, inputTypes);
      if (p === 'skip') skipped++;
      else ready.push(p);
    } catch (err) {
      if (!(err instanceof PoisonRecord)) throw err;
      dead.push({ record, reason: err.message });
    }
  }
  let written = 0;
  for (const chunk of chunks(ready, maxLines)) written += await writeSplitting(chunk, write, dead);
  return { written, skipped, dead };
}

function* chunks(items: readonly Prepared[], maxLines: number): Generator<Prepared[]> {
  let current: Prepared[] = [];
  let n = 0;
  for (const p of items) {
    if (n + p.lines.length > maxLines && current.length > 0) {
      yield current;
      current = [];
      n = 0;
    }
    current.push(p);
    n += p.lines.length;
  }
  if (current.length > 0) yield current;
}

/** Writes a chunk; when InfluxDB refuses it (4xx), halves it until the poison records are alone. */
async function writeSplitting(chunk: readonly Prepared[], write: WriteLines, dead: DeadLetter[]): Promise<number> {
  try {
    await write(chunk.flatMap((p) => p.lines));
    return chunk.reduce((n, p) => n + p.lines.length, 0);
  } catch (err) {
    if (!(err instanceof WriteFailure) || err.kind === 'transient') throw err;
    if (chunk.length === 1) {
      dead.push({ record: chunk[0]!.record, reason: `influx rejected: ${err.message.slice(0, 200)}` });
      return 0;
    }
    const mid = Math.ceil(chunk.length / 2);
    return (await writeSplitting(chunk.slice(0, mid), write, dead)) + (await writeSplitting(chunk.slice(mid), write, dead));
  }
}
