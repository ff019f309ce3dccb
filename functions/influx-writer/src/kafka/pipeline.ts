/**
 * Kafka-direct: a batch of records → InfluxDB lines, written in chunks of at most `maxLines`.
 * Records of types the writer does not take are skipped; a record that cannot be written (not a CloudEvent, not
 * normalized, refused by InfluxDB) goes to the dead-letter list with its reason; a transient
 * failure throws, so nothing is committed and the batch is read again.
 */
import { EVENT_TYPES, KiotError, parseRecordData, PoisonRecord, recordEventUnparsed, type RawRecord, type TypeFilter } from '@kiot/core';
import type { Mapping } from '../config';
import { WriteFailure, type WriteBody } from '../influx';
import { eventLines, identityOf } from '../event-lines';
import { canonicalLines } from './canonical-lines';
import { Chunk } from './chunk';

export interface DeadLetter {
  readonly record: RawRecord;
  readonly reason: string;
}

export interface BatchResult {
  readonly written: number;
  readonly skipped: number;
  readonly dead: readonly DeadLetter[];
}

/** A record's lines, each ended by a newline; encoded straight into the chunk (chunk.ts). */
interface Prepared {
  readonly record: RawRecord;
  readonly text: string;
  readonly lines: number;
}

function prepare(record: RawRecord, mapping: Mapping, accept: TypeFilter): Prepared | 'skip' {
  const read = recordEventUnparsed(record, accept);
  if (read === undefined) return 'skip';
  const { event, json } = read;
  try {
    const id = identityOf(event);
    if (json !== undefined) {
      // Validated data as kiot writes it goes straight from bytes to lines; anything else is parsed.
      const fast = event.type === EVENT_TYPES.rejected ? undefined : canonicalLines(json, id, mapping);
      if (fast !== undefined) return { record, text: fast.text, lines: fast.lines };
    }
    const lines = eventLines(json === undefined ? event : { ...event, data: parseRecordData(json) }, mapping, id);
    return { record, text: lines.length === 0 ? '' : `${lines.join('\n')}\n`, lines: lines.length };
  } catch (err) {
    if (err instanceof PoisonRecord) throw err;
    throw new PoisonRecord(err instanceof KiotError ? err.message : String(err));
  }
}

/**
 * Records are prepared and written chunk by chunk: while one chunk is being written, the next is
 * prepared, so InfluxDB's work and the consumer's overlap (one write in flight per batch). Before,
 * a batch was prepared whole, then its chunks written one after another, and a batch's tens of
 * milliseconds of formatting held up the other partitions' writes as well.
 * `chunkWritten`, when given, is awaited after each chunk is written: the consumer heartbeats there, so a batch
 * of many chunks against a slow InfluxDB does not outlast the group's session timeout (the member would be
 * dropped, its commit refused, and the batch read again, as slowly, without end).
 */
export async function processBatch(records: readonly RawRecord[], write: WriteBody, mapping: Mapping, maxLines: number, inputTypes: readonly string[] = [EVENT_TYPES.validated], chunkWritten?: () => Promise<void>): Promise<BatchResult> {
  const dead: DeadLetter[] = [];
  let skipped = 0;
  let written = 0;
  let chunk = new Chunk();
  let inFlight: Promise<Settled> | undefined;
  // Rejects are always written (kiot_rejected); of the rest, only the types the writer takes.
  const accept: TypeFilter = (type) => type === EVENT_TYPES.rejected || inputTypes.includes(type);
  const settle = async (): Promise<void> => {
    if (inFlight === undefined) return;
    const done = await inFlight;
    inFlight = undefined;
    if ('error' in done) throw done.error;
    written += done.written;
    await chunkWritten?.();
  };
  const flush = async (): Promise<void> => {
    await settle();
    // Settled at once, so a failure while the next chunk is prepared is never an unhandled rejection.
    inFlight = writeSplitting(chunk, 0, chunk.parts.length, write, dead).then((n) => ({ written: n }), (error: unknown) => ({ error }));
    // Sized like this one: a chunk rarely grows.
    chunk = new Chunk(Math.ceil(chunk.byteLength * 1.125));
  };
  for (const record of records) {
    let p: Prepared | 'skip';
    try {
      p = prepare(record, mapping, accept);
    } catch (err) {
      if (!(err instanceof PoisonRecord)) throw err;
      dead.push({ record, reason: err.message });
      continue;
    }
    if (p === 'skip') {
      skipped++;
      continue;
    }
    if (chunk.lines + p.lines > maxLines && chunk.parts.length > 0) await flush();
    chunk.add(p.record, p.text, p.lines);
  }
  if (chunk.parts.length > 0) await flush();
  await settle();
  return { written, skipped, dead };
}

type Settled = { readonly written: number } | { readonly error: unknown };

/** Writes parts [from, to) of a chunk; when InfluxDB refuses them (4xx), halves them until the poison records are alone. */
async function writeSplitting(chunk: Chunk, from: number, to: number, write: WriteBody, dead: DeadLetter[]): Promise<number> {
  try {
    await write(chunk.bytes(from, to));
    return chunk.linesIn(from, to);
  } catch (err) {
    if (!(err instanceof WriteFailure) || err.kind === 'transient') throw err;
    if (to - from === 1) {
      dead.push({ record: chunk.parts[from]!.record, reason: `influx rejected: ${err.message.slice(0, 200)}` });
      return 0;
    }
    const mid = from + Math.ceil((to - from) / 2);
    return (await writeSplitting(chunk, from, mid, write, dead)) + (await writeSplitting(chunk, mid, to, write, dead));
  }
}
