/**
 * Splits a byte stream into whole MQTT packets before parsing, so a packet above the limit is
 * refused from its fixed header, without buffering it, and nothing grows without bound.
 */
import { isUtf8 } from 'node:buffer';
import { propertyBytesProblem } from './property-bytes';
import { REASON } from './publish';

const CONNECT = 1;
const PUBLISH = 3;

/**
 * A PUBLISH whose topic is ill-formed UTF-8 or holds U+0000 is a Malformed Packet (MQTT 3.1.1 1.5.3,
 * MQTT 5 1.5.4); mqtt-packet would decode it leniently, the bad bytes turned into U+FFFD.
 * `start`: where the variable header begins.
 */
function topicMalformed(packet: Buffer, start: number): boolean {
  if (packet.length < start + 2) return false; // too short for a topic: the parser refuses it
  const end = Math.min(start + 2 + packet.readUInt16BE(start), packet.length);
  let i = start + 2;
  // Topics are mostly ASCII: checked here byte by byte, cheaper than a decoder call per publish.
  while (i < end && packet[i]! > 0 && packet[i]! < 0x80) i++;
  if (i === end) return false;
  const topic = packet.subarray(i, end);
  return !isUtf8(topic) || topic.includes(0);
}

/** Where a v5 PUBLISH's Property Length is (`start`: its variable header); past `total` when the topic runs past the packet. */
function propertiesAt(packet: Buffer, start: number): number {
  const qos = (packet[0]! >> 1) & 3;
  return start + 2 + packet.readUInt16BE(start) + (qos > 0 ? 2 : 0);
}

/** A violation: bytes no packet may have (0x81), or a property given twice (0x82); `code` is the v5 reason code of the DISCONNECT that answers it. */
export type Frame = { readonly kind: 'packet'; readonly bytes: Buffer } | { readonly kind: 'too-large'; readonly length: number } | { readonly kind: 'violation'; readonly code: number; readonly reason: string };

export class Framer {
  private buf: Buffer = Buffer.alloc(0);
  /** Whether the connection's CONNECT asked for MQTT 5, whose PUBLISH carries properties: read from its bytes, as PUBLISHes may follow it in one chunk. */
  private v5 = false;

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
        if (i > 4) return [...frames, { kind: 'violation', code: REASON.malformed, reason: 'remaining length longer than 4 bytes' }];
      }
      const total = i + length;
      if (total > this.maxPacketBytes) return [...frames, { kind: 'too-large', length: total }];
      if (this.buf.length < total) return frames;
      const bytes = this.buf.subarray(0, total);
      const type = bytes[0]! >> 4;
      if (type === PUBLISH) {
        if (topicMalformed(bytes, i)) return [...frames, { kind: 'violation', code: REASON.malformed, reason: 'topic is ill-formed UTF-8 or holds U+0000' }];
        const at = this.v5 && total >= i + 2 ? propertiesAt(bytes, i) : total + 1;
        const problem = at <= total ? propertyBytesProblem(bytes, at, total) : undefined;
        if (problem !== undefined) return [...frames, { kind: 'violation', code: problem.reason, reason: problem.message }];
      } else if (type === CONNECT) {
        // Protocol name MQTT (length 4), then the level: 5 is MQTT 5 (with the top bit, a bridge's, as mqtt-packet reads it).
        this.v5 = total > i + 6 && bytes[i + 1] === 4 && (bytes[i + 6]! & 0x7f) === 5;
      }
      frames.push({ kind: 'packet', bytes });
      this.buf = this.buf.subarray(total);
    }
  }
}
