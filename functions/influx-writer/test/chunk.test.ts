/** A chunk's bytes: every record's lines, UTF-8 encoded, in order, whatever their size and characters. */
import { strict as assert } from 'node:assert';
import type { RawRecord } from '@kiot/core';
import { Chunk } from '../src/kafka/chunk';

const record = (i: number): RawRecord => ({ key: null, value: Buffer.from(String(i)), headers: {}, timestamp: '0' });

describe('Kafka-direct chunk', () => {
  it('holds each record\'s lines as UTF-8, in order, past its first capacity and with characters of 1 to 4 bytes', () => {
    const chunk = new Chunk();
    const texts: string[] = [];
    // '€' is one UTF-16 unit and three bytes; '🌡' two units and four: the worst cases for the room reserved.
    const names = ['plain', 'Gerät', '€€€€€€€€', '🌡🌡', ''];
    for (let i = 0; i < 4000; i++) {
      const name = names[i % names.length]!;
      const text = name === '' ? '' : `temperature,device=${name}${i} value=${i} ${i}\n`.repeat(1 + (i % 3));
      texts.push(text);
      chunk.add(record(i), text, text === '' ? 0 : 1 + (i % 3));
    }
    const all = texts.join('');
    assert.ok(Buffer.byteLength(all) > 64 * 1024 * 2, 'the chunk grew more than once');
    assert.equal(chunk.bytes().toString(), all);
    assert.equal(chunk.byteLength, Buffer.byteLength(all));
    assert.equal(chunk.lines, texts.reduce((n, t) => n + (t === '' ? 0 : t.split('\n').length - 1), 0));
    assert.equal(chunk.linesIn(1234, 3210), texts.slice(1234, 3210).reduce((n, t) => n + (t === '' ? 0 : t.split('\n').length - 1), 0));
    // Any run of records is its bytes alone: what a refused chunk is halved into.
    for (const [from, to] of [[0, 1], [1, 2], [4, 5], [0, 2000], [2000, 4000], [1234, 3210], [3999, 4000], [7, 7]] as const) {
      assert.equal(chunk.bytes(from, to).toString(), texts.slice(from, to).join(''), `parts ${from}–${to}`);
    }
    assert.deepEqual(chunk.parts.map((p) => p.record.value!.toString()), texts.map((_, i) => String(i)));
  });

  it('starts at the capacity it is given, and grows from there', () => {
    const text = 'm v=1 1\n'.repeat(20_000);
    const chunk = new Chunk(1);
    chunk.add(record(0), text, 20_000);
    chunk.add(record(1), text, 20_000);
    assert.equal(chunk.bytes().toString(), text + text);
    assert.equal(chunk.bytes(1, 2).toString(), text);
    // Fewer UTF-16 units than the room left, three times as many bytes.
    const euros = `m,device=${'€'.repeat(30_000)} v=1 1\n`;
    const small = new Chunk(1);
    small.add(record(2), euros, 1);
    assert.equal(small.bytes().toString(), euros);
  });
});
