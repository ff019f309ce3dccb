/**
 * What a session sends its client: packets generated for the protocol version, written in one system
 * call per turn of the event loop, and kept within what the client's CONNECT asked for (v5).
 */
import type { Duplex } from 'node:stream';
import mqtt, { type Packet } from 'mqtt-packet';

export class Outbox {
  version = 4;
  /** v5 Request Problem Information: false asks for no reason strings but on CONNACK and DISCONNECT. */
  problemInformation = true;
  /** v5 Maximum Packet Size: the largest packet the client takes. */
  clientMaxPacket: number | undefined;
  private corked = false;

  constructor(private readonly socket: Duplex) {}

  get isV5(): boolean {
    return this.version === 5;
  }

  /** A reason string for a PUBACK or SUBACK, unless the client asked for none. */
  problem(message: string): { properties?: { reasonString: string } } {
    return this.problemInformation ? { properties: { reasonString: message } } : {};
  }

  /**
   * A PUBACK that accepts: four bytes, the same in both versions (MQTT 5 3.4.2.1 leaves out a Success
   * reason code without properties), made here rather than by the generator, as one goes out per publish.
   */
  accepted(messageId: number): void {
    if (this.socket.destroyed) return;
    const bytes = Buffer.allocUnsafe(4);
    bytes[0] = 0x40;
    bytes[1] = 2;
    bytes.writeUInt16BE(messageId, 2);
    this.write(bytes);
  }

  send(packet: Record<string, unknown>): void {
    if (this.socket.destroyed) return;
    let bytes = mqtt.generate(packet as unknown as Packet, { protocolVersion: this.version });
    if (this.clientMaxPacket !== undefined && bytes.length > this.clientMaxPacket) {
      // Above the client's Maximum Packet Size: the reason string goes (MQTT 5 3.4.2.2.2); a packet still too large is not sent.
      const kept = { ...(packet['properties'] ?? {}) } as Record<string, unknown>;
      delete kept['reasonString'];
      bytes = mqtt.generate({ ...packet, properties: kept } as unknown as Packet, { protocolVersion: this.version });
      if (bytes.length > this.clientMaxPacket) return;
    }
    this.write(bytes);
  }

  private write(bytes: Buffer): void {
    // Packets written in one turn of the event loop leave in one system call (a write per PUBACK was a quarter of the CPU).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(bytes);
  }
}
