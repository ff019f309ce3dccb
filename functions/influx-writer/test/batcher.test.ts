import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import type { KiotError } from '@kiot/core';
import { Batcher } from '../src/batcher';
import { WriteFailure, type WriteLines } from '../src/influx';

describe('batcher', () => {
  it('writes a lone request at once, and gathers requests that arrive while writes are in flight into one batch', async () => {
    let release: () => void = () => undefined;
    const calls: string[][] = [];
    const write: WriteLines = (lines) => { calls.push([...lines]); return calls.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve(); };
    const b = new Batcher(write, { maxLines: 100, concurrentWrites: 1, retryAfterSeconds: 1 });
    const first = b.submit(['a 1']);
    assert.deepEqual(calls, [['a 1']], 'written without waiting for a timer');
    const rest = [b.submit(['b 1', 'b 2']), b.submit(['c 1'])];
    assert.equal(calls.length, 1, 'held while the first write is in flight');
    release();
    await Promise.all([first, ...rest]);
    assert.deepEqual(calls, [['a 1'], ['b 1', 'b 2', 'c 1']]);
  });

  it('never puts more than maxLines in one write', async () => {
    const write = sinon.stub<Parameters<WriteLines>, ReturnType<WriteLines>>().resolves();
    const b = new Batcher(write, { maxLines: 3, concurrentWrites: 1, retryAfterSeconds: 1 });
    await Promise.all([b.submit(['1', '2']), b.submit(['3', '4']), b.submit(['5'])]);
    assert.ok(write.getCalls().every((c) => c.args[0].length <= 3));
    assert.deepEqual(write.getCalls().flatMap((c) => c.args[0]), ['1', '2', '3', '4', '5']);
  });

  it('splits a batch InfluxDB rejects, so only the poison request gets 422 and the rest are written', async () => {
    const written: string[] = [];
    const write: WriteLines = async (lines) => {
      if (lines.some((l) => l.startsWith('poison'))) throw new WriteFailure('rejected', 400, 'field type conflict');
      written.push(...lines);
    };
    const b = new Batcher(write, { maxLines: 100, concurrentWrites: 1, retryAfterSeconds: 1 });
    const results = await Promise.allSettled([b.submit(['good 1']), b.submit(['poison 1']), b.submit(['good 2'])]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    const err = (results[1] as PromiseRejectedResult).reason as KiotError;
    assert.equal(err.status, 422);
    assert.match(err.headers['kne-reason']!, /field type conflict/);
    assert.deepEqual(written.sort(), ['good 1', 'good 2']);
  });

  it('passes on the Retry-After InfluxDB gave (a rate limit), instead of its own', async () => {
    const b = new Batcher(async () => { throw new WriteFailure('transient', 429, 'InfluxDB answered 429: rate limited', 42); }, { maxLines: 100, concurrentWrites: 1, retryAfterSeconds: 3 });
    await assert.rejects(b.submit(['a 1']), (e: KiotError) => e.status === 503 && e.headers['retry-after'] === '42');
  });

  it('answers 503 with Retry-After to every request of a batch when InfluxDB is down', async () => {
    const b = new Batcher(async () => { throw new WriteFailure('transient', 0, 'InfluxDB unreachable'); }, { maxLines: 100, concurrentWrites: 1, retryAfterSeconds: 3 });
    const results = await Promise.allSettled([b.submit(['a 1']), b.submit(['b 1'])]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason as KiotError;
      assert.equal(e.status, 503);
      assert.equal(e.headers['retry-after'], '3');
    }
  });
});
