import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { CloudEvent, HTTP } from 'cloudevents';
import * as converter from '../src/index';
import { startFunction, type Running } from '../../../test/support/runtime';

const raw = (data: unknown, datacontenttype: string, extra: Record<string, string> = {}) =>
  HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/device1', subject: 'temperature', time: '2026-01-01T00:00:00.000Z', application: 'demo', device: 'device1', partitionkey: 'demo/device1', datacontenttype, data, ...extra }));

describe('converter in faas-js-runtime', () => {
  let running: Running;
  before(async () => { running = await startFunction(converter); });
  after(() => running.close());
  const post = (msg: { headers: object; body: unknown }) => fetch(running.url, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string | Buffer });

  it('replies converted.v1 in binary mode, keeping identity and adding nothing else to data', async () => {
    const res = await post(raw({ temperature: 21.5 }, 'application/json', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ce-type'), 'io.kiot.telemetry.converted.v1');
    for (const [h, v] of [['ce-source', 'kiot://demo/device1'], ['ce-subject', 'temperature'], ['ce-device', 'device1'], ['ce-partitionkey', 'demo/device1'], ['ce-kiotformat', 'json'], ['ce-traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']]) assert.equal(res.headers.get(h!), v, h);
    assert.deepEqual(await res.json(), { records: [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 21.5 } }] });
  });

  it('decodes a SenML pack that arrives as bytes', async () => {
    const res = await post(raw(Buffer.from(JSON.stringify([{ bn: 'd1/', n: 't', v: 1, t: 0 }])), 'application/senml+json'));
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { records: unknown[] }).records, [{ time: '2026-01-01T00:00:00.000Z', values: { 'd1/t': 1 } }]);
  });

  it('answers 422 with kne-reason (dead-lettered) for JSON that does not parse and for unknown content', async () => {
    let res = await post(raw(Buffer.from('{"temperature":'), 'application/senml+json'));
    assert.equal(res.status, 422);
    assert.ok(res.headers.get('kne-reason'));
    res = await post(raw(Buffer.from([1, 2, 3]), 'application/x-unknown'));
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('kne-reason'), 'unsupported content type');
  });

  it('answers 422 "nested too deep", never a 500, to data nested thousands deep however it is encoded', async () => {
    // JSON.parse and the CBOR decoder take these; JSON.stringify and every walk over them overflow the stack.
    const cases: [string, Buffer, string][] = [
      ['objects', Buffer.from(`${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`), 'application/json'],
      ['arrays', Buffer.from(`${'['.repeat(6000)}${']'.repeat(6000)}`), 'application/json'],
      ['a SenML pack', Buffer.from(`[{"n":"t","v":1,"x":${'['.repeat(6000)}${']'.repeat(6000)}}]`), 'application/senml+json'],
      ['SenML in CBOR', Buffer.concat([Buffer.alloc(6000, 0x81), Buffer.from([0x01])]), 'application/senml+cbor'],
    ];
    for (const [what, body, type] of cases) {
      const res = await post(raw(body, type));
      assert.equal(res.status, 422, what);
      assert.equal(res.headers.get('kne-reason'), 'nested too deep', what);
      assert.match(((await res.json()) as { message: string }).message, /nests deeper than 64 levels of objects and arrays/, what);
    }
    const at64 = await post(raw(Buffer.from(`{"t":1,"deep":${'['.repeat(63)}${']'.repeat(63)}}`), 'application/json'));
    assert.equal(at64.status, 200, 'data 64 levels deep converts');
  });

  it('takes a bare JSON string as a reading named after the channel, unless it holds JSON text (encoded twice); null is no data', async () => {
    // A bare number or boolean needs the bundled runtime, whose CloudEvents parser takes it (scripts/build.mjs): test/stack.test.ts.
    const text = await post(raw(Buffer.from('"warm"'), 'application/json'));
    assert.equal(text.status, 200);
    assert.deepEqual(((await text.json()) as { records: unknown[] }).records, [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 'warm' } }]);
    const nothing = await post(raw(Buffer.from('null'), 'application/json'));
    assert.equal(nothing.status, 422);
    assert.equal(nothing.headers.get('kne-reason'), 'no data');
    const twice = await post(raw(Buffer.from(JSON.stringify(JSON.stringify({ temperature: 21.5 }))), 'application/json'));
    assert.equal(twice.status, 200);
    assert.deepEqual(((await twice.json()) as { records: unknown[] }).records, [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 21.5 } }]);
  });

  it('answers 422 with kne-reason to an event without data (an empty MQTT payload): no reading to normalise', async () => {
    // As a broker delivers it: ce-* headers and no body, no content type (the SDK would add one).
    const headers = { 'ce-specversion': '1.0', 'ce-id': 'e1', 'ce-type': 'io.kiot.telemetry.raw.v1', 'ce-source': 'kiot://demo/device1', 'ce-subject': 'presence', 'ce-application': 'demo', 'ce-device': 'device1' };
    const res = await post({ headers, body: undefined });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('kne-reason'), 'no data');
  });

  it('answers 405 with Allow to a method the runtime does not route, not fastify\'s 404 for a wrong URL', async () => {
    const res = await fetch(running.url, { method: 'PUT', body: '{}' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST, OPTIONS');
    assert.deepEqual(await res.json(), { error: 'METHOD_NOT_ALLOWED', message: 'PUT is not served here' });
  });

  it('answers 400 to a query key the runtime would put over a field of its context (?body=, ?method=, %-encoded too)', async () => {
    for (const query of ['body=x', 'method=GET', 'a=1&cloudEventResponse=x', '%62ody=x']) {
      const msg = raw({ temperature: 21.5 }, 'application/json');
      const res = await fetch(`${running.url}/?${query}`, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string });
      assert.equal(res.status, 400, query);
      assert.match(((await res.json()) as { message: string }).message, /^query parameter "\w+" is not allowed: the runtime would put it in place of the request's \w+$/, query);
      assert.match(res.headers.get('kne-reason') ?? '', /^query parameter \w+ is not allowed$/, query);
    }
    const msg = raw({ temperature: 21.5 }, 'application/json');
    assert.equal((await fetch(`${running.url}/?site=roof`, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string })).status, 200, 'another key is the function\'s business');
  });

  it('answers 405 with the same Allow to GET and HEAD (a monitor, a browser), where it answered 400 "expected a CloudEvent"', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(running.url, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'POST, OPTIONS', method);
    }
    assert.deepEqual(await (await fetch(running.url)).json(), { error: 'METHOD_NOT_ALLOWED', message: 'this function takes CloudEvents with POST' });
  });

  it('answers 422 to an event of the wrong type instead of converting it twice', async () => {
    const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.converted.v1', source: 'kiot://demo/d', data: { records: [] } }));
    assert.equal((await post(msg)).status, 422);
  });

  // The stock faas-js-runtime (this tier) parses application/json and text/plain itself and answers
  // 400 to JSON that does not parse and to text that is not UTF-8; the runtime kiot bundles hands
  // such JSON on as bytes, answered 422 (test/stack.test.ts). Both are dead-lettered, never retried.
  it('answers 4xx (never retried, never 5xx) to every random byte string (fuzz, 300 cases)', async () => {
    for (let i = 0; i < 300; i++) {
      const types = ['application/json', 'application/senml+json', 'application/octet-stream', 'text/plain'];
      const res = await post(raw(randomBytes(1 + (i % 64)), types[i % types.length]!));
      assert.ok([200, 400, 422].includes(res.status), `case ${i}: ${res.status}`);
      if (res.status === 400) assert.ok(['application/json', 'text/plain'].includes(types[i % types.length]!), `case ${i}: 400 for ${types[i % types.length]}`);
      await res.arrayBuffer();
    }
  });
});
