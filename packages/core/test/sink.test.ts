import { strict as assert } from 'node:assert';
import { CloudEvent, HTTP } from 'cloudevents';
import { binaryAttributes, binaryHeaderLines, createSink, InvalidAttributes, KiotError, newEvent, retryAfterSeconds, SinkTimeout, SinkUnavailable } from '../src';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExchanger } from '../src/exchange';
import { startSink, type TestSink } from '../../../test/support/sink';
import { freePort } from '../../../test/support/runtime';
import { headersOf } from '../../../test/support/header-lines';

const event = () => newEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/device1', datacontenttype: 'application/json', partitionkey: 'demo/device1' }, Buffer.from('{"t":1}'));

describe('newEvent and binaryHeaderLines: events built without the SDK', () => {
  it('writes the headers cloudevents\' HTTP.binary writes for the same event', () => {
    const attrs = { type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/device1', subject: 'temperature', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', dataschema: 'https://example.com/s', application: 'demo', lorawanfport: 7, lorawansimulated: true };
    const ours = newEvent(attrs, Buffer.from('{"t":1}'));
    assert.match(String(ours.attributes['id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const sdk = HTTP.binary(new CloudEvent({ ...attrs, id: String(ours.attributes['id']), data: Buffer.from('{"t":1}') }));
    assert.deepEqual(headersOf(binaryHeaderLines(ours.attributes)), Object.fromEntries(Object.entries(sdk.headers).map(([k, v]) => [k, String(v)])));
  });

  it('percent-encodes what HTTP headers cannot carry, and binaryAttributes reads it back', () => {
    const ev = newEvent({ type: 't', source: '/s', mqttplace: 'Zürich 20 €%' }, undefined);
    const headers = headersOf(binaryHeaderLines(ev.attributes));
    assert.equal(headers['ce-mqttplace'], 'Z%C3%BCrich 20 %E2%82%AC%25');
    assert.equal(binaryAttributes(headers)['mqttplace'], 'Zürich 20 €%');
  });

  it('writes each attribute on a line of its own, with what follows it, read back by binaryAttributes as it was', () => {
    const ev = newEvent({ type: 't', source: '/s', subject: 'a b', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'text/plain; charset=utf-8', mqttplace: 'Zürich 20 €%\r\nx: 1', lorawanfport: 7, lorawansimulated: true }, Buffer.from('x'));
    const lines = binaryHeaderLines(ev.attributes, { prefer: 'reply' }).text;
    assert.equal(lines.split('\r\n').length, Object.keys(ev.attributes).length + 2, 'a line per attribute and the extra header, no line split inside a value');
    assert.match(lines, /^content-type: text\/plain; charset=utf-8\r$/m);
    assert.match(lines, /prefer: reply\r\n$/);
    const back = binaryAttributes(headersOf({ text: lines }));
    assert.deepEqual(back, Object.fromEntries(Object.entries(ev.attributes).map(([k, v]) => [k, String(v)])));
    assert.throws(() => binaryHeaderLines(ev.attributes, { prefer: 'a\r\nx-evil: 1' }), /cannot carry/);
  });

  it('refuses a content type with a control character, which would split a header (binary mode carries it as Content-Type)', () => {
    for (const ct of ['application/json\r\n;x-evil: 1', 'text/plain;\nx', 'text/plain; a=\u0000', 'text/plain; name=\u20ac'])
      assert.throws(() => newEvent({ type: 't', source: '/s', datacontenttype: ct }, undefined), (e: unknown) => e instanceof InvalidAttributes && /datacontenttype is not valid/.test(e.message), JSON.stringify(ct));
    for (const ct of ['application/json', 'text/plain; charset=utf-8', 'text/plain;charset=utf-8', 'application/vnd.x+json;\tq="a b"', 'text/plain; name=Z\u00fcrich'])
      assert.equal(newEvent({ type: 't', source: '/s', datacontenttype: ct }, undefined).attributes['datacontenttype'], ct);
  });

  it('refuses attributes that break the spec, naming every problem', () => {
    assert.throws(() => newEvent({ type: 't', source: '/s', datacontenttype: 'nonsense', Bad: 'x' }, undefined), (e: unknown) => e instanceof InvalidAttributes && /datacontenttype is not valid/.test(e.message) && /attribute name "Bad"/.test(e.message));
  });

  it('leaves out undefined attributes and keeps an absent or empty body absent', () => {
    const ev = newEvent({ type: 't', source: '/s', subject: undefined }, undefined);
    assert.deepEqual(Object.keys(ev.attributes).sort(), ['id', 'source', 'specversion', 'type']);
    assert.equal(ev.data, undefined);
    assert.equal(newEvent({ type: 't', source: '/s' }, Buffer.alloc(0)).data, undefined);
  });
});

describe('createSink against a real HTTP sink', () => {
  let sink: TestSink;
  beforeEach(async () => { sink = await startSink(); });
  afterEach(() => sink.close());

  it('resolves on 202 and sends binary mode with the data bytes unchanged', async () => {
    await createSink({ url: sink.url, timeoutMs: 1000, retryAfterSeconds: 2, post: createExchanger() })(event());
    const got = sink.received[0]!;
    assert.equal(got.headers['ce-type'], 'io.kiot.telemetry.raw.v1');
    assert.equal(got.headers['ce-partitionkey'], 'demo/device1');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.body.toString(), '{"t":1}');
  });

  it('refuses, as kiot\'s bug (500), an event whose attributes HTTP cannot carry, and sends nothing', async () => {
    const bad = { attributes: { ...event().attributes, datacontenttype: 'application/json\r\nx-evil: 1' }, data: undefined };
    await assert.rejects(createSink({ url: sink.url, timeoutMs: 1000, retryAfterSeconds: 2, post: createExchanger() })(bad), (err: unknown) => err instanceof KiotError && err.code === 500 && /cannot be sent/.test(err.message));
    const badName = { attributes: { ...event().attributes, 'x y': 'v' }, data: undefined };
    await assert.rejects(createSink({ url: sink.url, timeoutMs: 1000, retryAfterSeconds: 2, post: createExchanger() })(badName), (err: unknown) => err instanceof KiotError && err.code === 500);
    assert.equal(sink.received.length, 0);
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
      await assert.rejects(createSink({ url: sink.url, timeoutMs: 200, retryAfterSeconds: 2, post: createExchanger() })(event()), (err: unknown) => {
        assert.ok(err instanceof KiotError);
        assert.equal(err.status, status);
        if (status === 503) assert.equal(err.headers['retry-after'], '2');
        return true;
      });
    });
  }

  it('passes on the sink\'s own Retry-After on a 503 or 429 (a broker whose queue is full), and its own when the sink names none that parses', async () => {
    const cases: [number, Record<string, string>, string][] = [
      [503, { 'retry-after': '7' }, '7'],
      [429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }, '30'],
      [503, { 'retry-after': 'soon' }, '2'],
      [500, {}, '2'],
    ];
    for (const [status, headers, expected] of cases) {
      sink.respond = () => ({ status, headers });
      await assert.rejects(createSink({ url: sink.url, timeoutMs: 1000, retryAfterSeconds: 2, post: createExchanger() })(event()), (err: unknown) => {
        assert.ok(err instanceof KiotError);
        assert.equal(err.status, 503);
        // An HTTP-date has whole seconds: 29 or 30 seconds from now, depending on when in the second it was written.
        if (expected === '30') assert.ok(['29', '30'].includes(err.headers['retry-after'] ?? ''), err.headers['retry-after']);
        else assert.equal(err.headers['retry-after'], expected, JSON.stringify(headers));
        return true;
      });
    }
  });

  it('tells a caller what the sink answered and how long it asked to wait, and nothing it did not say', async () => {
    const cases: [string, () => void, number | undefined, number | undefined][] = [
      ['503 with Retry-After', () => (sink.respond = () => ({ status: 503, headers: { 'retry-after': '7' } })), 503, 7],
      ['429 with Retry-After', () => (sink.respond = () => ({ status: 429, headers: { 'retry-after': '3' } })), 429, 3],
      ['500 without', () => (sink.respond = () => ({ status: 500 })), 500, undefined],
      ['503 with one that does not parse', () => (sink.respond = () => ({ status: 503, headers: { 'retry-after': 'soon' } })), 503, undefined],
      ['no answer in time', () => (sink.respond = () => ({ status: 202, delayMs: 500 })), undefined, undefined],
    ];
    for (const [name, setup, status, wait] of cases) {
      setup();
      await assert.rejects(createSink({ url: sink.url, timeoutMs: 200, retryAfterSeconds: 2, post: createExchanger() })(event()), (err: unknown) => {
        assert.ok(err instanceof SinkUnavailable, name);
        assert.deepEqual([err.status, err.sinkStatus, err.sinkRetryAfter], [503, status, wait], name);
        return true;
      });
    }
  });

  it('rejects with 503 when nothing listens', async () => {
    const port = await freePort();
    await assert.rejects(createSink({ url: `http://127.0.0.1:${port}/`, timeoutMs: 500, retryAfterSeconds: 1, post: createExchanger() })(event()), (err: unknown) => err instanceof KiotError && err.status === 503);
  });
});

describe('createExchanger: the whole answer of one exchange, against a real HTTP server', () => {
  let server: Server;
  let url: URL;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  const seen: string[] = [];
  beforeEach(async () => {
    seen.length = 0;
    server = createServer((req, res) => {
      seen.push(String(req.headers['x-n']));
      handle(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/in?x=1`);
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  it('gives the status, the lower-cased headers with repeats joined, and a body sent in several chunks', async () => {
    handle = (req, res) => {
      res.writeHead(200, [['Content-Type', 'application/json'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['X-Path', req.url ?? '']]);
      res.write('{"a":');
      setTimeout(() => res.end('1}'), 20);
    };
    const got = await createExchanger()(url, { 'x-n': '1' }, Buffer.from('x'), 1000);
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['set-cookie'], 'a=1, b=2');
    assert.equal(got.headers['x-path'], '/in?x=1');
    assert.equal(got.body.toString(), '{"a":1}');
  });

  it('waits past an informational 103 for the final answer', async () => {
    handle = (_req, res) => {
      res.writeEarlyHints({ link: '</s.css>; rel=preload' });
      res.writeHead(202).end();
    };
    const got = await createExchanger()(url, {}, undefined, 1000);
    assert.equal(got.status, 202);
    assert.equal(got.body.length, 0);
  });

  it('times out a request still waiting for a connection, and never sends it', async () => {
    handle = (req, res) => {
      if (req.headers['x-n'] === 'slow') setTimeout(() => res.writeHead(202).end(), 400);
      else res.writeHead(202).end();
    };
    const exchange = createExchanger({ maxConnections: 1 });
    const slow = exchange(url, { 'x-n': 'slow' }, 'a', 2000);
    await assert.rejects(exchange(url, { 'x-n': 'queued' }, 'b', 100), (err: unknown) => err instanceof SinkTimeout);
    assert.equal((await slow).status, 202);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen, ['slow']);
  });

  it('rejects with SinkTimeout when the answer stops halfway', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.write('half');
    };
    await assert.rejects(createExchanger()(url, {}, 'x', 150), (err: unknown) => err instanceof SinkTimeout);
  });
});

describe('retryAfterSeconds: what a Retry-After names', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  const table: [string | undefined, number | undefined][] = [
    ['5', 5],
    [' 12 ', 12],
    ['0', 1], // "now" still means wait: at least a second
    ['86400', 3600], // at most an hour
    ['Thu, 26 Nov 2026 12:00:42 GMT', 42],
    ['Thu, 26 Nov 2026 11:59:00 GMT', 1], // a date already past
    ['-3', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [value, expected] of table) {
    it(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(retryAfterSeconds(value, now), expected));
  }
});
