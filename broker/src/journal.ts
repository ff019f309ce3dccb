/**
 * The embedded broker's write-ahead journal: an accepted event is on disk before the ingress
 * answers 202, and each Trigger's completion (delivered, dead-lettered, dropped) is recorded, so a
 * broker that stops or crashes delivers, after its restart, everything it had accepted and not
 * finished. JSON lines; compacted at start to what is still pending.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeValue, BrokerEvent } from './cloudevent';

type Entry =
  | { readonly op: 'add'; readonly seq: number; readonly broker: string; readonly lanes: readonly string[]; readonly attributes: Readonly<Record<string, AttributeValue>>; readonly data?: string }
  | { readonly op: 'done'; readonly seq: number; readonly lane: string };

export interface Pending {
  readonly seq: number;
  readonly broker: string;
  readonly lanes: readonly string[];
  readonly event: BrokerEvent;
}

export class Journal {
  private readonly file: string;
  private fd: number;
  private seq = 0;
  private bytes = 0;
  /** What is not finished yet, so the file can be rewritten to just that when it grows. */
  private readonly live = new Map<number, { broker: string; lanes: Set<string>; event: BrokerEvent }>();

  constructor(dir: string, private readonly fsync: boolean, private readonly maxBytes = 64 * 1024 * 1024) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'journal.jsonl');
    this.fd = -1;
  }

  /** Reads what was accepted and not finished, and rewrites the journal to hold only that. */
  recover(): Pending[] {
    const pending = new Map<number, { broker: string; lanes: Set<string>; event: BrokerEvent }>();
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (line === '') continue;
        let e: Entry;
        try {
          e = JSON.parse(line) as Entry;
        } catch {
          continue; // a line torn by a crash mid-write: its event was never acknowledged
        }
        if (e.op === 'add') pending.set(e.seq, { broker: e.broker, lanes: new Set(e.lanes), event: { attributes: e.attributes, data: e.data === undefined ? undefined : Buffer.from(e.data, 'base64') } });
        else pending.get(e.seq)?.lanes.delete(e.lane);
        this.seq = Math.max(this.seq, e.seq);
      }
    }
    for (const [seq, p] of pending) if (p.lanes.size > 0) this.live.set(seq, p);
    this.compact();
    return [...this.live.entries()].map(([seq, p]) => ({ seq, broker: p.broker, lanes: [...p.lanes], event: p.event }));
  }

  /** Rewrites the journal to the events still pending (at start, and whenever it has grown large). */
  private compact(): void {
    if (this.fd >= 0) closeSync(this.fd);
    const tmp = `${this.file}.tmp`;
    const text = [...this.live.entries()].map(([seq, p]) => `${JSON.stringify(addEntry(seq, p.broker, [...p.lanes], p.event))}\n`).join('');
    writeFileSync(tmp, text);
    renameSync(tmp, this.file);
    this.bytes = Buffer.byteLength(text);
    this.fd = openSync(this.file, 'a');
  }

  /** Records an accepted event before the ingress answers; returns its sequence number. */
  add(broker: string, lanes: readonly string[], event: BrokerEvent): number {
    const seq = ++this.seq;
    this.live.set(seq, { broker, lanes: new Set(lanes), event });
    this.write(addEntry(seq, broker, lanes, event));
    return seq;
  }

  done(seq: number, lane: string): void {
    const p = this.live.get(seq);
    p?.lanes.delete(lane);
    if (p && p.lanes.size === 0) this.live.delete(seq);
    this.write({ op: 'done', seq, lane });
    if (this.bytes > this.maxBytes) this.compact();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private write(e: Entry): void {
    if (this.fd < 0) this.fd = openSync(this.file, 'a');
    const line = `${JSON.stringify(e)}\n`;
    appendFileSync(this.fd, line);
    this.bytes += line.length;
    if (this.fsync) fsyncSync(this.fd);
  }
}

function addEntry(seq: number, broker: string, lanes: readonly string[], event: BrokerEvent): Entry {
  return { op: 'add', seq, broker, lanes, attributes: event.attributes, ...(event.data === undefined ? {} : { data: event.data.toString('base64') }) };
}
