/**
 * The compression codecs kafkajs leaves out. It reads gzip only: a batch in Snappy, LZ4 or ZSTD (a
 * producer's compression.type, or a topic or a whole cluster set to recompress, as Strimzi clusters
 * often are) made the consumer crash with "LZ4 compression not implemented" and stop. Registered into
 * kafkajs's own codec table by whoever holds it (the writer's consumer, the CLI): its own entry point
 * (`@kiot/core/kafka-codecs`, not in the index), so functions that never read Kafka do not load these.
 */
import * as zlib from 'node:zlib';
import snappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';

/** A kafkajs codec: compresses a batch's encoded records, decompresses a fetched batch. */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** kafkajs's CompressionCodecs and the numbers of its CompressionTypes, passed in so this module does not load kafkajs. */
export type CodecTable = Record<number, () => KafkaCodec>;
export interface CodecTypes {
  readonly Snappy: number;
  readonly LZ4: number;
  readonly ZSTD: number;
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const lz4Codec = (): KafkaCodec => ({
  compress: (encoder) => Promise.resolve(asBuffer(lz4.compress(encoder.buffer))),
  decompress: (buffer) => Promise.resolve(asBuffer(lz4.decompress(buffer))),
});

// node:zlib has ZSTD from Node 22.15 on; an older Node says so instead of failing on a missing function.
const zstd = zlib as Partial<Pick<typeof zlib, 'zstdCompressSync' | 'zstdDecompressSync'>>;
const zstdCodec = (): KafkaCodec => {
  const { zstdCompressSync, zstdDecompressSync } = zstd;
  if (zstdCompressSync === undefined || zstdDecompressSync === undefined) throw new Error(`ZSTD needs Node 22.15 or later (this is ${process.version})`);
  return {
    compress: (encoder) => Promise.resolve(zstdCompressSync(encoder.buffer)),
    decompress: (buffer) => Promise.resolve(zstdDecompressSync(buffer)),
  };
};

/** Fills in Snappy, LZ4 and ZSTD; gzip is kafkajs's own. */
export function addKafkaCodecs(table: CodecTable, types: CodecTypes): void {
  table[types.Snappy] = snappyCodec;
  table[types.LZ4] = lz4Codec;
  table[types.ZSTD] = zstdCodec;
}
