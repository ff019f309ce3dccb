import { strict as assert } from 'node:assert';
import { ERRORS, isRetryableStatus, KiotError, toKiotError, toStructuredReturn } from '../src';
import { runtimeRefusal } from '../src/runtime-refusals';

describe('error catalogue', () => {
  it('gives every error a numeric status whose retry behaviour matches the broker rule', () => {
    for (const [name, e] of Object.entries(ERRORS)) {
      assert.equal(typeof e.status, 'number', name);
      assert.equal(isRetryableStatus(e.status), e.retried, `${name}: catalogue says retried=${e.retried}`);
    }
  });

  it('keeps a numeric code so faas-js-runtime never sees a string code', () => {
    const err = new KiotError('UNPROCESSABLE', 'bad');
    assert.equal(err.code, 422);
    assert.equal(typeof toKiotError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).code, 'number');
  });

  it('turns an unknown error into a generic 500 without leaking its message', () => {
    const r = toStructuredReturn(toKiotError(new Error('secret path /etc/passwd')));
    assert.equal(r.statusCode, 500);
    assert.doesNotMatch(JSON.stringify(r.body), /passwd/);
  });

  it('adds a kne-reason header to answers the broker dead-letters, and only to those', () => {
    const dead = toStructuredReturn(new KiotError('UNPROCESSABLE', 'senml: record 0 is not an object'));
    assert.equal(dead.headers['kne-reason'], 'senml: record 0 is not an object');
    const retried = toStructuredReturn(new KiotError('UNAVAILABLE', 'down'));
    assert.equal(retried.headers['kne-reason'], undefined);
  });

  it('keeps device text out of header values it cannot carry', () => {
    const r = toStructuredReturn(new KiotError('BAD_REQUEST', 'bad \u00e9\n'));
    assert.match(r.headers['kne-reason']!, /^[\x20-\x7e]*$/);
  });

  it('names what fastify refuses itself, keeping its status and message; a 5xx tells nothing of its cause', () => {
    assert.deepEqual(runtimeRefusal({ statusCode: 413, message: 'Request body is too large' }), { statusCode: 413, headers: { 'content-type': 'application/json', 'kne-reason': 'Request body is too large' }, body: { error: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' } });
    assert.equal(runtimeRefusal({ statusCode: 400, message: 'x' })?.body.error, 'BAD_REQUEST');
    assert.equal(runtimeRefusal({ statusCode: 415, message: 'x' })?.body.error, 'UNSUPPORTED_MEDIA_TYPE');
    assert.deepEqual(runtimeRefusal({ statusCode: 500, message: 'ECONNRESET at 10.0.0.7' })?.body, { error: 'INTERNAL', message: 'internal error' });
    assert.equal(runtimeRefusal({ message: 'no status' })?.statusCode, 500);
    assert.equal(runtimeRefusal({ statusCode: 406, message: 'x' }), undefined, 'a 4xx the catalogue has no name for stays fastify\'s');
  });
});
