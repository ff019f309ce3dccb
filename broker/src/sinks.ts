/**
 * Local stand-in for a KafkaSink (the dead-letter and rejects topics): each event is appended as
 * one structured JSON line to var/sinks/<name>.jsonl, where an operator can read it.
 */
import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { toStructured, type BrokerEvent } from './cloudevent';

export class SinkStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, `${name.replace(/[^a-z0-9-]/g, '_')}.jsonl`);
  }

  /** Synchronous on purpose: the event is on disk before the delivery counts as done. */
  append(name: string, event: BrokerEvent): void {
    appendFileSync(this.path(name), `${JSON.stringify(toStructured(event))}\n`);
  }

  read(name: string, limit = 1000): unknown[] {
    const p = this.path(name);
    if (!existsSync(p)) return [];
    const lines = readFileSync(p, 'utf8').split('\n').filter((l) => l !== '');
    return lines.slice(-limit).map((l) => JSON.parse(l) as unknown);
  }
}
