/**
 * Splits a byte stream into whole MQTT packets before parsing, so a packet above the limit is
 * refused from its fixed header, without buffering it, and nothing grows without bound.
 */
export type Frame = { readonly kind: 'packet'; readonly bytes: Buffer } | { readonly kind: 'too-large'; readonly length: number } | { readonly kind: 'malformed'; readonly reason: string };

export class Framer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPacketBytes: number) {}

  /** Adds bytes; returns every complete frame, or stops at the first error. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      if (this.buf.length < 2) return frames;
      let length = 0;
      let mult = 1;
      let i = 1;
      for (;;) {
        if (i >= this.buf.length) return frames; // length not complete yet
        const b = this.buf[i]!;
        length += (b & 0x7f) * mult;
        i++;
        if ((b & 0x80) === 0) break;
        mult *= 128;
        if (i > 4) return [...frames, { kind: 'malformed', reason: 'remaining length longer than 4 bytes' }];
      }
      const total = i + length;
      if (total > this.maxPacketBytes) return [...frames, { kind: 'too-large', length: total }];
      if (this.buf.length < total) return frames;
      frames.push({ kind: 'packet', bytes: this.buf.subarray(0, total) });
      this.buf = this.buf.subarray(total);
    }
  }
}
