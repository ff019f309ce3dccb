/** The last N kiot events, in memory, each with a sequence number clients poll from. */
export interface ConsoleEvent {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly application: string;
  readonly device: string;
  readonly channel: string;
  readonly time: string;
  readonly data: unknown;
}

export class EventStore {
  private readonly events: ConsoleEvent[] = [];
  private seq = 0;

  constructor(private readonly capacity: number) {}

  add(e: Omit<ConsoleEvent, 'seq'>): ConsoleEvent {
    const stored = { ...e, seq: ++this.seq };
    this.events.push(stored);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    return stored;
  }

  /** Events after `since`, oldest first, at most `limit`. */
  after(since: number, limit: number): ConsoleEvent[] {
    const out = this.events.filter((e) => e.seq > since);
    return out.slice(Math.max(0, out.length - limit));
  }

  get last(): number {
    return this.seq;
  }
}
