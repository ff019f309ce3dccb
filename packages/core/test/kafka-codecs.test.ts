import { strict as assert } from 'node:assert';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { addKafkaCodecs, type CodecTable } from '../src/kafka-codecs';

describe('kafka-codecs (what kafkajs leaves out)', () => {
  it('fills in Snappy, LZ4 and ZSTD beside kafkajs\'s own gzip, each decompressing what it compressed', async () => {
    // A copy: kafkajs's own table is global, and modules loaded beside this test fill it in too.
    const table = { [CompressionTypes.GZIP]: CompressionCodecs[CompressionTypes.GZIP] } as unknown as CodecTable;
    addKafkaCodecs(table, CompressionTypes);
    // Enough of one record batch's kind of bytes to span several of Snappy's and LZ4's blocks.
    const batch = Buffer.from(Array.from({ length: 3000 }, (_, i) => `{"records":[{"time":"2026-04-03T00:00:${String(i % 60).padStart(2, '0')}.000Z","values":{"t":${i}}}]}`).join(''));
    for (const type of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
      const codec = table[type]!();
      const packed = await codec.compress({ buffer: batch });
      assert.ok(packed.length < batch.length / 2, `${CompressionTypes[type]} compresses`);
      assert.ok(Buffer.from(await codec.decompress(packed)).equals(batch), CompressionTypes[type]);
    }
  });
});
