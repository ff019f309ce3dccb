/**
 * The embedded broker's semantics against real HTTP subscribers on loopback: ingress answers,
 * routing, retries with backoff timing, dead letters, replies, timeouts and the bounded queue.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../src/broker';
import { parseWiring } from '../src/manifests';
import { startSink, type TestSink } from '../../test/support/sink';
import { freePort } from '../../test/support/runtime';
import { eventually } from '../../test/support/services';

interface Setup { broker: RunningBroker; sub: TestSink; dls: TestSink; close(): Promise<void> }

async function setup(opts: { delivery?: Record<string, unknown>; triggerDelivery?: Record<string, unknown>; filters?: unknown[]; capacity?: number; concurrency?: number; extraTriggers?: Record<string, unknown>[] } = {}): Promise<Setup> {
  const sub = await startSink();
  const dls = await startSink();
  const docs = [
    { kind: 'Broker', metadata: { name: 'b', namespace: 'ns' }, spec: { delivery: { deadLetterSink: { uri: dls.url }, ...opts.delivery } } },
    { kind: 'Trigger', metadata: { name: 't', namespace: 'ns' }, spec: { broker: 'b', filters: opts.filters ?? [{ exact: { type: 'in.v1' } }], subscriber: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'sub' } }, ...(opts.triggerDelivery ? { delivery: opts.triggerDelivery } : {}) } },
    ...(opts.extraTriggers ?? []),
  ];
  const broker = await startBroker(
    { host: '127.0.0.1', port: 0, eventingDirs: [], services: { sub: sub.url.replace(/\/$/, '') }, absent: [], sinksDir: mkdtempSync(join(tmpdir(), 'kiot-sinks-')), capacity: opts.capacity ?? 1000, concurrencyPerTrigger: opts.concurrency ?? 8, maxBodyBytes: 4096, retryAfterSeconds: 3, defaultNamespace: 'ns', log: () => undefined },
    parseWiring(docs),
  );
  return { broker, sub, dls, close: async () => { await broker.close(); await sub.close(); await dls.close(); } };
}

const send = (url: string, headers: Record<string, string> = {}, body = '{"t":1}') =>
  fetch(`${url}/ns/b`, { method: 'POST', headers: { 'ce-specversion': '1.0', 'ce-id': `id-${Math.random()}`, 'ce-type': 'in.v1', 'ce-source': '/test', 'content-type': 'application/json', ...headers }, body });

describe('embedded broker: ingress', () => {
  let s: Setup;
  before(async () => { s = await setup(); });
  after(() => s.close());

  it('answers 202 to a binary event and 202 to a structured one', async () => {
    assert.equal((await send(s.broker.url)).status, 202);
    const structured = await fetch(`${s.broker.url}/ns/b`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify({ specversion: '1.0', id: '1', type: 'in.v1', source: '/s', data: { a: 1 } }) });
    assert.equal(structured.status, 202);
    await s.broker.dispatcher.idle();
    const last = s.sub.received.at(-1)!;
    assert.equal(last.headers['ce-id'], '1');
    assert.equal(last.headers['content-type'], 'application/json');
    assert.equal(last.body.toString(), '{"a":1}');
  });

  it('answers 400 naming the problem for an invalid event, 404 for an unknown broker, 405 for GET, 413 above the limit', async () => {
    const bad = await send(s.broker.url, { 'ce-specversion': '0.9' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /specversion must be .*1.0.*got .*0.9/);
    assert.equal((await fetch(`${s.broker.url}/ns/nope`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${s.broker.url}/ns/b`)).status, 405);
    assert.equal((await send(s.broker.url, {}, 'x'.repeat(5000))).status, 413);
  });
});

describe('embedded broker: delivery semantics', function () {
  this.timeout(20_000);
  let s: Setup | undefined;
  afterEach(async () => { await s?.close(); s = undefined; });

  it('delivers only what the Trigger filters match', async () => {
    s = await setup({ filters: [{ exact: { type: 'in.v1' } }, { prefix: { source: '/keep' } }] });
    await send(s.broker.url, { 'ce-source': '/keep/1' });
    await send(s.broker.url, { 'ce-source': '/drop/1' });
    await send(s.broker.url, { 'ce-type': 'other.v1', 'ce-source': '/keep/2' });
    await s.broker.dispatcher.idle();
    assert.deepEqual(s.sub.received.map((r) => r.headers['ce-source']), ['/keep/1']);
    assert.equal(s.sub.received[0]!.headers['prefer'], 'reply');
  });

  const retryable = [500, 503, 404, 408, 409, 429];
  for (const status of retryable) {
    it(`retries a ${status} with exponential backoff, then dead-letters with the error extensions`, async () => {
      s = await setup({ delivery: { retry: 2, backoffPolicy: 'exponential', backoffDelay: 'PT0.05S' } });
      s.sub.respond = () => ({ status, headers: { 'kne-reason': 'nope', 'x-other': 'y' }, body: 'subscriber said no' });
      const times: number[] = [];
      const orig = s.sub.respond;
      s.sub.respond = (r) => { times.push(Date.now()); return orig(r); };
      await send(s.broker.url, { 'ce-device': 'd1' });
      await s.broker.dispatcher.idle();
      assert.equal(times.length, 3, 'one attempt and two retries');
      // exponential: retry n waits backoffDelay·2ⁿ → 100 ms, then 200 ms (tolerance for a busy machine)
      const gaps = [times[1]! - times[0]!, times[2]! - times[1]!];
      assert.ok(gaps[0]! >= 95 && gaps[0]! < 600, `first gap ${gaps[0]}`);
      assert.ok(gaps[1]! >= 195 && gaps[1]! < 900, `second gap ${gaps[1]}`);
      const dead = s.dls.received[0]!;
      assert.equal(dead.headers['ce-type'], 'in.v1');
      assert.equal(dead.headers['ce-device'], 'd1');
      assert.equal(dead.headers['ce-knativeerrorcode'], String(status));
      assert.equal(dead.headers['ce-knativeerrordest'], s.sub.url.replace(/\/$/, ''));
      assert.equal(Buffer.from(String(dead.headers['ce-knativeerrordata']), 'base64').toString(), 'subscriber said no');
      assert.equal(dead.headers['ce-reason'], 'nope');
      assert.equal(dead.headers['ce-xother'], undefined);
      assert.equal(dead.body.toString(), '{"t":1}');
      assert.deepEqual(s.broker.dispatcher.counters('t'), { accepted: 1, delivered: 0, retried: 2, deadLettered: 1, dropped: 0 });
    });
  }

  for (const status of [400, 401, 403, 422]) {
    it(`does not retry a ${status}: straight to the dead-letter sink`, async () => {
      s = await setup({ delivery: { retry: 3, backoffDelay: 'PT0.01S' } });
      s.sub.respond = () => ({ status });
      await send(s.broker.url);
      await s.broker.dispatcher.idle();
      assert.equal(s.sub.received.length, 1);
      assert.equal(s.dls.received[0]!.headers['ce-knativeerrorcode'], String(status));
    });
  }

  it('uses linear backoff when told, and Trigger delivery overrides the Broker field by field', async () => {
    s = await setup({ delivery: { retry: 1, backoffPolicy: 'exponential', backoffDelay: 'PT5S' }, triggerDelivery: { retry: 2, backoffPolicy: 'linear', backoffDelay: 'PT0.1S' } });
    const times: number[] = [];
    s.sub.respond = () => { times.push(Date.now()); return { status: 500 }; };
    await send(s.broker.url);
    await s.broker.dispatcher.idle();
    assert.equal(times.length, 3);
    const gaps = [times[1]! - times[0]!, times[2]! - times[1]!];
    assert.ok(gaps[0]! >= 95 && gaps[0]! < 600 && gaps[1]! >= 195 && gaps[1]! < 900, `gaps ${gaps.join(', ')}`);
  });

  it('retries a network error (nothing listening)', async () => {
    const port = await freePort();
    s = await setup({ delivery: { retry: 1, backoffDelay: 'PT0.01S' }, extraTriggers: [{ kind: 'Trigger', metadata: { name: 'dead', namespace: 'ns' }, spec: { broker: 'b', filters: [{ exact: { type: 'gone.v1' } }], subscriber: { uri: `http://127.0.0.1:${port}/` } } }] });
    await send(s.broker.url, { 'ce-type': 'gone.v1' });
    await s.broker.dispatcher.idle();
    assert.deepEqual(s.broker.dispatcher.counters('dead'), { accepted: 1, delivered: 0, retried: 1, deadLettered: 1, dropped: 0 });
    assert.equal(s.dls.received[0]!.headers['ce-knativeerrorcode'], '0');
  });

  it('times out a slow subscriber after the delivery timeout and retries', async () => {
    s = await setup({ delivery: { retry: 1, backoffDelay: 'PT0.01S', timeout: 'PT0.2S' } });
    let n = 0;
    s.sub.respond = () => (++n === 1 ? { status: 202, delayMs: 1000 } : { status: 202 });
    await send(s.broker.url);
    await s.broker.dispatcher.idle();
    assert.equal(n, 2);
    assert.equal(s.broker.dispatcher.counters('t')!.delivered, 1);
    assert.equal(s.dls.received.length, 0);
  });

  it('publishes a CloudEvent reply back into the broker, where the next Trigger gets it; an empty 2xx ends delivery', async () => {
    const next = await startSink();
    try {
      s = await setup({ extraTriggers: [{ kind: 'Trigger', metadata: { name: 'next', namespace: 'ns' }, spec: { broker: 'b', filters: [{ exact: { type: 'out.v1' } }], subscriber: { uri: next.url } } }] });
      s.sub.respond = () => ({ status: 200, headers: { 'ce-specversion': '1.0', 'ce-id': 'r1', 'ce-type': 'out.v1', 'ce-source': '/step', 'content-type': 'application/json' }, body: '{"step":2}' });
      await send(s.broker.url);
      await s.broker.dispatcher.idle();
      assert.equal(next.received.length, 1);
      assert.equal(next.received[0]!.headers['ce-id'], 'r1');
      assert.equal(next.received[0]!.body.toString(), '{"step":2}');
      assert.equal(s.sub.received.length, 1, 'the reply did not loop back to the first Trigger');
      assert.equal(s.broker.dispatcher.counters('next')!.delivered, 1);
    } finally {
      await next.close();
    }
  });

  it('dead-letters a 2xx whose body is not a CloudEvent, as the Kafka broker does, without retrying', async () => {
    s = await setup({ delivery: { retry: 3, backoffDelay: 'PT0.01S' } });
    s.sub.respond = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' });
    await send(s.broker.url);
    await s.broker.dispatcher.idle();
    assert.equal(s.sub.received.length, 1);
    assert.equal(s.dls.received[0]!.headers['ce-knativeerrorcode'], '200');
  });

  it('answers 503 with Retry-After when the queue is full, and delivers everything it accepted', async () => {
    s = await setup({ capacity: 5, concurrency: 1 });
    s.sub.respond = () => ({ status: 202, delayMs: 100 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await send(s.broker.url, { 'ce-id': `q${i}` });
      statuses.push(res.status);
      if (res.status === 503) assert.equal(res.headers.get('retry-after'), '3');
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 503, 503, 503]);
    // The Trigger whose subscriber holds the queue shows it: one delivery in flight, four waiting.
    assert.match(await (await fetch(`${s.broker.url}/metrics`)).text(), /kiot_trigger_queue_depth\{trigger="ns\/t"\} 5/);
    await s.broker.dispatcher.idle();
    assert.deepEqual(s.sub.received.map((r) => r.headers['ce-id']), ['q0', 'q1', 'q2', 'q3', 'q4']);
    const metrics = await (await fetch(`${s.broker.url}/metrics`)).text();
    assert.match(metrics, /kiot_broker_events_total\{broker="ns\/b",result="full"\} 3/);
    assert.match(metrics, /kiot_trigger_events_total\{trigger="ns\/t",result="delivered"\} 5/);
    assert.match(metrics, /kiot_trigger_queue_depth\{trigger="ns\/t"\} 0/);
  });

  it('drops (and counts) a failed event when there is no dead-letter sink', async () => {
    const sub = await startSink();
    sub.respond = () => ({ status: 400 });
    const broker = await startBroker({ host: '127.0.0.1', port: 0, eventingDirs: [], services: {}, absent: [], sinksDir: mkdtempSync(join(tmpdir(), 'kiot-sinks-')), capacity: 10, concurrencyPerTrigger: 1, maxBodyBytes: 4096, retryAfterSeconds: 1, defaultNamespace: 'ns', log: () => undefined },
      parseWiring([{ kind: 'Broker', metadata: { name: 'b', namespace: 'ns' } }, { kind: 'Trigger', metadata: { name: 't', namespace: 'ns' }, spec: { broker: 'b', subscriber: { uri: sub.url } } }]));
    try {
      await send(broker.url);
      await broker.dispatcher.idle();
      assert.equal(broker.dispatcher.counters('t')!.dropped, 1);
    } finally {
      await broker.close();
      await sub.close();
    }
  });
});

describe('embedded broker: the journal keeps accepted events across a restart', function () {
  this.timeout(20_000);

  it('delivers after a restart every event it had accepted and not finished, and nothing it had finished', async () => {
    const sub = await startSink();
    const journalDir = mkdtempSync(join(tmpdir(), 'kiot-journal-'));
    const docs = [
      { kind: 'Broker', metadata: { name: 'b', namespace: 'ns' }, spec: { delivery: { retry: 10, backoffPolicy: 'linear', backoffDelay: 'PT5S' } } },
      { kind: 'Trigger', metadata: { name: 't', namespace: 'ns' }, spec: { broker: 'b', subscriber: { uri: sub.url } } },
    ];
    const options = { host: '127.0.0.1', port: 0, eventingDirs: [], services: {}, absent: [], sinksDir: mkdtempSync(join(tmpdir(), 'kiot-sinks-')), capacity: 100, concurrencyPerTrigger: 4, maxBodyBytes: 4096, retryAfterSeconds: 1, defaultNamespace: 'ns', log: () => undefined, journalDir };
    try {
      // First run: the first event is delivered; the subscriber then fails and the rest wait in backoff.
      let n = 0;
      sub.respond = () => (++n === 1 ? { status: 202 } : { status: 503 });
      const first = await startBroker(options, parseWiring(docs));
      assert.equal((await send(first.url, { 'ce-id': 'done-1' })).status, 202);
      await eventually(async () => (first.dispatcher.counters('t')!.delivered === 1 ? true : undefined));
      for (const id of ['p1', 'p2', 'p3']) assert.equal((await send(first.url, { 'ce-id': id })).status, 202);
      await eventually(async () => (sub.received.length >= 4 ? true : undefined));
      await first.close(); // the broker stops with three accepted events not delivered
      // Second run on the same journal, with a healthy subscriber.
      sub.received.length = 0;
      sub.respond = () => ({ status: 202 });
      const second = await startBroker(options, parseWiring(docs));
      try {
        await eventually(async () => (sub.received.length >= 3 ? true : undefined), 10_000);
        await second.dispatcher.idle();
        assert.deepEqual(sub.received.map((r) => r.headers['ce-id']).sort(), ['p1', 'p2', 'p3']);
      } finally {
        await second.close();
      }
      // A third start finds nothing left to deliver.
      sub.received.length = 0;
      const third = await startBroker(options, parseWiring(docs));
      await third.dispatcher.idle();
      await third.close();
      assert.equal(sub.received.length, 0);
    } finally {
      await sub.close();
    }
  });
});
