/**
 * Kafka-direct's batch pipeline with the write passed in as a function: chunking, the overlap of
 * one chunk's write with the next one's preparation, splitting around a refused record, and
 * transient failures that must leave the batch uncommitted.
 */
import { strict as assert } from 'node:assert';
import { CloudEvent } from 'cloudevents';
import type { RawRecord } from '@kiot/core';
import { parseConfig } from '../src/config';
import { WriteFailure } from '../src/influx';
import { processBatch } from '../src/kafka/pipeline';
import { brokerRecord } from '../../../test/support/kafka';

const { mapping } = parseConfig({ INFLUX_URL: 'http://127.0.0.1:1', INFLUX_BUCKET: 'kiot' });
const t0 = Date.parse('2026-04-01T00:00:00Z');

/** A validated event of `n` readings from `device`, as the Knative Kafka broker stores it. */
function record(device: string, n: number, first = 0): RawRecord {
  const r = brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: `kiot://demo/${device}`, subject: 'temperature', application: 'demo', device, datacontenttype: 'application/json', data: { records: Array.from({ length: n }, (_, i) => ({ time: new Date(t0 + (first + i) * 1000).toISOString(), values: { temperature: first + i } })) } }));
  return { key: r.key === null ? null : Buffer.from(r.key), value: Buffer.from(r.value), headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Buffer.from(v)])), timestamp: '0' };
}

const settleTurns = () => new Promise((r) => setImmediate(r));
/** A write's body as its lines. */
const linesOf = (body: Buffer): string[] => body.toString().split('\n').filter((l) => l !== '');

describe('Kafka-direct batch pipeline', () => {
  it('reports each chunk once it is written (the consumer heartbeats there), and fails the batch when that report fails', async () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`d${i}`, 3, i * 3));
    const events: string[] = [];
    await processBatch(records, async (body) => void events.push(`write ${linesOf(body).length}`), mapping, 7, undefined, async () => void events.push('written'));
    assert.deepEqual(events.filter((e) => e === 'written').length, 5);
    assert.equal(events.at(-1), 'written');
    // A heartbeat refused (the group is rebalancing): nothing may be committed, so the batch fails and is read again.
    await assert.rejects(processBatch(records, async () => undefined, mapping, 7, undefined, async () => { throw new Error('The group is rebalancing'); }), /rebalancing/);
  });

  it('writes every line once, in order, in chunks of at most maxLines that never split a record', async () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`d${i}`, 3, i * 3));
    const writes: string[][] = [];
    const result = await processBatch(records, async (body) => void writes.push(linesOf(body)), mapping, 7);
    assert.deepEqual(writes.map((w) => w.length), [6, 6, 6, 6, 6]);
    const values = writes.flat().map((l) => Number(/temperature=([0-9.]+)/.exec(l)![1]));
    assert.deepEqual(values, Array.from({ length: 30 }, (_, i) => i));
    assert.deepEqual(result, { written: 30, skipped: 0, dead: [] });
  });

  it('prepares the next chunk while a write is in flight, and keeps one write in flight at a time', async () => {
    const seen: string[] = [];
    // Each record notes when the pipeline reads it, that is, prepares it.
    const records = Array.from({ length: 3 }, (_, i) => {
      const r = record(`d${i}`, 2, i * 2);
      return { ...r, get value() { if (!seen.includes(`prepare ${i}`)) seen.push(`prepare ${i}`); return r.value; } };
    });
    const pending: (() => void)[] = [];
    const write = () => new Promise<void>((release) => { seen.push(`write ${pending.length}`); pending.push(release); });
    const done = processBatch(records, write, mapping, 2);
    await settleTurns();
    // The first chunk's write started as soon as it was whole; the next chunk was prepared meanwhile and waits for it.
    assert.deepEqual(seen, ['prepare 0', 'prepare 1', 'write 0', 'prepare 2']);
    pending[0]!();
    await settleTurns();
    assert.deepEqual(seen.slice(4), ['write 1']);
    pending[1]!();
    await settleTurns();
    assert.deepEqual(seen.slice(5), ['write 2']);
    pending[2]!();
    assert.deepEqual(await done, { written: 6, skipped: 0, dead: [] });
  });

  it('splits a refused chunk until only the refused record is dead-lettered; the others are written', async () => {
    const records = Array.from({ length: 8 }, (_, i) => record(`d${i}`, 1, i));
    const stored: string[] = [];
    const write = async (body: Buffer) => {
      if (body.includes('device=d5')) throw new WriteFailure('rejected', 400, 'field type conflict');
      stored.push(...linesOf(body));
    };
    const result = await processBatch(records, write, mapping, 4);
    assert.equal(result.written, 7);
    assert.equal(stored.length, 7);
    assert.deepEqual(result.dead.map((d) => d.reason), ['influx rejected: field type conflict']);
    assert.equal(result.dead[0]!.record, records[5]);
  });

  it('fails the batch on a transient failure, even one that arrives while the next chunk is prepared, and starts no write after it', async () => {
    const records = Array.from({ length: 6 }, (_, i) => record(`d${i}`, 1, i));
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const write = async () => {
        calls++;
        throw new WriteFailure('transient', 503, 'InfluxDB answered 503');
      };
      await assert.rejects(processBatch(records, write, mapping, 2), /InfluxDB answered 503/);
      await settleTurns();
      assert.equal(calls, 1);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('writes validated data the same whether it comes as the validator writes it or in any other JSON form, and dead-letters what is not JSON or not normalized', async () => {
    const plain = record('a', 3);
    // The same data with spaces and another key order: the general path reads it.
    const data = JSON.parse(plain.value!.toString()) as { records: { time: string; values: object }[] };
    const respaced = { ...plain, value: Buffer.from(JSON.stringify({ records: data.records.map((r) => ({ values: r.values, time: r.time })) }, null, 2)) };
    const bodies: Buffer[] = [];
    const write = async (body: Buffer): Promise<void> => void bodies.push(body);
    const result = await processBatch([plain, respaced, { ...plain, value: Buffer.from('{"records":[{"time"') }, { ...plain, value: Buffer.from('{"records":[]}') }], write, mapping, 5000);
    const lines = bodies.flatMap(linesOf);
    assert.equal(result.written, 6);
    assert.deepEqual(lines.slice(3), lines.slice(0, 3));
    assert.equal(lines[0], `temperature,application=demo,channel=temperature,device=a temperature=0 ${t0}`);
    assert.deepEqual(result.dead.map((d) => d.reason), ['not a CloudEvent: the data is not JSON', 'not normalized data: records must be a non-empty array']);
  });

  it('dead-letters a record whose data nests thousands deep, by name, and writes the rest of its batch', async () => {
    const plain = record('deep', 2);
    const deep = { ...plain, value: Buffer.from(`{"records":[{"time":"2026-04-01T00:00:00Z","values":{"t":${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}}}]}`) };
    const bodies: Buffer[] = [];
    const result = await processBatch([plain, deep, record('deep', 1, 5)], async (body) => void bodies.push(body), mapping, 5000);
    assert.equal(result.written, 3);
    assert.equal(bodies.flatMap(linesOf).length, 3);
    assert.deepEqual(result.dead.map((d) => d.reason), ['not normalized data: data nests deeper than 64 levels of objects and arrays']);
    assert.equal(result.dead[0]!.record.value, deep.value, 'the record itself, to be kept byte for byte');
  });

  it('dead-letters a record whose field name is too long to be stored whole, in the validator\'s own form, and writes the one that fits', async () => {
    // `temperature_` and the name: VictoriaMetrics keeps 16,384 bytes of it.
    const named = (length: number): RawRecord => ({ ...record('long', 1), value: Buffer.from(`{"records":[{"time":"2026-04-01T00:00:00.000Z","values":{"${'f'.repeat(length)}":1}}]}`) });
    const bodies: Buffer[] = [];
    const result = await processBatch([named(16_372), named(16_373), record('long', 1, 1)], async (body) => void bodies.push(body), mapping, 5000);
    assert.equal(result.written, 2);
    assert.deepEqual(bodies.flatMap(linesOf).map((l) => l.split(' ')[1]!.length), [16_372 + 2, 'temperature=1'.length]);
    assert.equal(result.dead.length, 1);
    assert.match(result.dead[0]!.reason, /^the field name "f{64}"… is too long to be stored whole/);
  });

  it('counts records of other types as skipped and dead-letters records that are no CloudEvent', async () => {
    const raw = brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/x', application: 'demo', device: 'x', data: { t: 1 } }));
    // An MQTT PUBLISH with an empty payload becomes an event without data: the Kafka broker stores it with a null value.
    const empty = brokerRecord(new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/x', application: 'demo', device: 'x' }));
    const records: RawRecord[] = [
      record('a', 2),
      { key: null, value: Buffer.from(raw.value), headers: raw.headers, timestamp: '0' },
      { key: null, value: null, headers: empty.headers, timestamp: '0' },
      { key: null, value: Buffer.from('nope'), headers: {}, timestamp: '0' },
      // A device's payload declared JSON that is not (MQTT 5 lets the client name the content type): not the writer's type, so not its poison.
      { key: null, value: Buffer.from('{not json'), headers: raw.headers, timestamp: '0' },
    ];
    const result = await processBatch(records, async () => undefined, mapping, 5000);
    assert.equal(result.written, 2);
    assert.equal(result.skipped, 3);
    assert.equal(result.dead.length, 1);
    assert.match(result.dead[0]!.reason, /no ce_specversion/);
  });
});
