// Types for the compression libraries kafka-codecs.ts uses, which ship none.
declare module 'lz4js' {
  /** An LZ4 frame's bytes, decompressed. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Bytes as an LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}

declare module 'kafkajs-snappy' {
  /** kafkajs's Snappy codec: raw Snappy, or the xerial framing Kafka's Java clients write. */
  export default function snappyCodec(): { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
}
