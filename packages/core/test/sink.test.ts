import { strict as assert } from 'node:assert';
import { CloudEvent } from 'cloudevents';
import { createSink, KiotError } from '../src';
import { createPost } from '../src/exchange';
import { startSink, type TestSink } from '../../../test/support/sink';
import { freePort } from '../../../test/support/runtime';

const event = () => new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/device1', data: Buffer.from('{"t":1}'), datacontenttype: 'application/json', partitionkey: 'demo/device1' });

describe('createSink against a real HTTP sink', () => {
  let sink: TestSink;
  beforeEach(async () => { sink = await startSink(); });
  afterEach(() => sink.close());

  it('resolves on 202 and sends binary mode with the data bytes unchanged', async () => {
    await createSink({ url: sink.url, timeoutMs: 1000, retryAfterSeconds: 2, post: createPost() })(event());
    const got = sink.received[0]!;
    assert.equal(got.headers['ce-type'], 'io.kiot.telemetry.raw.v1');
    assert.equal(got.headers['ce-partitionkey'], 'demo/device1');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.body.toString(), '{"t":1}');
  });

  const failures: [string, (s: TestSink) => void, number][] = [
    ['a 500', (s) => (s.respond = () => ({ status: 500 })), 503],
    ['a 429', (s) => (s.respond = () => ({ status: 429 })), 503],
    ['a sink slower than the timeout', (s) => (s.respond = () => ({ status: 202, delayMs: 500 })), 503],
    ['a 400 (kiot built a bad event: a bug)', (s) => (s.respond = () => ({ status: 400 })), 500],
  ];
  for (const [name, setup, status] of failures) {
    it(`rejects with ${status} on ${name}`, async () => {
      setup(sink);
      await assert.rejects(createSink({ url: sink.url, timeoutMs: 200, retryAfterSeconds: 2, post: createPost() })(event()), (err: unknown) => {
        assert.ok(err instanceof KiotError);
        assert.equal(err.status, status);
        if (status === 503) assert.equal(err.headers['retry-after'], '2');
        return true;
      });
    });
  }

  it('rejects with 503 when nothing listens', async () => {
    const port = await freePort();
    await assert.rejects(createSink({ url: `http://127.0.0.1:${port}/`, timeoutMs: 500, retryAfterSeconds: 1, post: createPost() })(event()), (err: unknown) => err instanceof KiotError && err.status === 503);
  });
});
