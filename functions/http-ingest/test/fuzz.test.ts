/**
 * Hostile input against http-ingest as its container runs it (build/start.js: faas-js-runtime as
 * kiot builds it, scripts/build.mjs): generated cases (malformed JSON, wrong
 * content types, reserved and unknown query keys, huge headers, oversized and random bodies, bad
 * credentials). Every answer is one of the documented statuses, never a 5xx while the sink is up,
 * and a well-formed reading still gets 202 afterwards.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { rawPost } from '../../../test/support/runtime';
import { startInPlace, type Standalone } from '../../../test/support/standalone';
import { rng } from '../../../test/support/seeded';
import { startSink, type TestSink } from '../../../test/support/sink';
import { record } from '../../../test/reliability/report';

const DOCUMENTED = new Set([202, 204, 400, 401, 403, 405, 413, 415, 429, 431]);
const GOOD = `Basic ${Buffer.from('device1@demo:demo-secret').toString('base64')}`;

describe('http-ingest against generated hostile input', function () {
  this.timeout(120_000);
  let sink: TestSink;
  let running: Standalone;
  before(async () => {
    sink = await startSink();
    running = await startInPlace(join(__dirname, '..'), { K_SINK: sink.url, INGEST_REGISTRY_FILE: join(__dirname, '../../../scripts/stack/demo-registry.yaml'), INGEST_BODY_LIMIT: '4096', INGEST_RATE_PER_SECOND: '100000', INGEST_RATE_BURST: '100000', INGEST_AUTH_FAILURES_PER_MINUTE: '100000', FUNC_BODY_LIMIT: '65536', FUNC_LOG_LEVEL: 'warn' });
  });
  after(async () => { await running.stop(); await sink.close(); });

  it('answers 2,000 generated cases with documented statuses only, and stays healthy', async () => {
    const r = rng(20261125);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const types = ['application/json', 'application/senml+json', 'application/senml+cbor', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/cloudevents+json', 'multipart/form-data; boundary=x', '', 'application/json; charset=utf-16'];
    const queries = ['', '?channel=temperature', '?channel=../../x', '?body=evil', '?headers=x', '?query=1', '?method=GET', '?dialect=ttsv3', '?dialect=nope', '?as=device9', '?dataschema=not-a-uri', '?channel=a&channel=b', '?__proto__=x', '?constructor=x', `?channel=${'x'.repeat(300)}`];
    const bodies = [() => randomBytes(Math.floor(r() * 200)), () => Buffer.from('{"temperature":'), () => Buffer.from('{"temperature": 21.5}'), () => Buffer.from('[]'), () => Buffer.from('null'), () => Buffer.from(JSON.stringify({ end_device_ids: { device_id: 'x'.repeat(500) }, uplink_message: {} })), () => Buffer.alloc(5000, 'a'), () => Buffer.from('{"__proto__": {"polluted": true}}')];
    const auths = [GOOD, 'Basic !!!', `Basic ${Buffer.from('device1@demo:wrong').toString('base64')}`, 'Bearer x', '', `Basic ${Buffer.from(':').toString('base64')}`, `Basic ${Buffer.from('a'.repeat(2000)).toString('base64')}`];
    const seen = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const headers: Record<string, string> = {};
      const ct = pick(types);
      if (ct !== '') headers['content-type'] = ct;
      const auth = pick(auths);
      if (auth !== '') headers['authorization'] = auth;
      if (r() < 0.05) headers['x-huge'] = 'h'.repeat(8000 + Math.floor(r() * 8000));
      if (r() < 0.05) headers['ce-id'] = 'not-really';
      const status = await rawPost(running.url + `/${pick(queries)}`, headers, pick(bodies)());
      seen.set(status, (seen.get(status) ?? 0) + 1);
      // Anything that claims to be a CloudEvent, valid or not, is refused with 400 (devices send
      // readings), unless its headers or body were refused before any code ran (431, 413).
      const claimsCloudEvent = ct.startsWith('application/cloudevents') || headers['ce-id'] !== undefined;
      assert.ok(claimsCloudEvent ? [400, 413, 431].includes(status) : DOCUMENTED.has(status), `case ${i}: status ${status} (${JSON.stringify(headers).slice(0, 300)})`);
    }
    assert.ok((seen.get(202) ?? 0) > 0 && (seen.get(400) ?? 0) > 0 && (seen.get(401) ?? 0) > 0, JSON.stringify([...seen]));
    record('hostile', ['target', 'cases', 'answers', 'crashes', 'RSS before → after'], ['http-ingest (as its container runs it; malformed JSON, wrong content types, huge headers, oversized bodies, runtime query keys, bad credentials)', 2000, [...seen].sort(([a], [b]) => a - b).map(([k, v]) => `${k} ×${v}`).join(', '), 0, '—']);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined, 'no prototype pollution');
    assert.equal(await rawPost(running.url + '/?channel=temperature', { 'content-type': 'application/json', authorization: GOOD }, Buffer.from('{"temperature":21.5}')), 202);
  });
});
