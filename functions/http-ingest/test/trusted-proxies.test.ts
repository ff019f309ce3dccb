import { strict as assert } from 'node:assert';
import { parseConfig } from '../src/config';

describe('http-ingest: INGEST_TRUSTED_PROXIES', () => {
  it('refuses a bad INGEST_TRUSTED_PROXIES at start, naming every bad entry', () => {
    assert.throws(() => parseConfig({ K_SINK: 'http://127.0.0.1:1', INGEST_ANONYMOUS: 'true', INGEST_TRUSTED_PROXIES: 'loopback, 10.0.0.0/33, example.com, fd00::/200' }), (err: Error) => {
      assert.match(err.message, /"10\.0\.0\.0\/33"/);
      assert.match(err.message, /"example\.com"/);
      assert.match(err.message, /"fd00::\/200"/);
      assert.doesNotMatch(err.message, /loopback"/);
      return true;
    });
    const config = parseConfig({ K_SINK: 'http://127.0.0.1:1', INGEST_ANONYMOUS: 'true', INGEST_TRUSTED_PROXIES: '10.244.0.0/16' });
    assert.equal(config.trustedProxies.includes('10.244.3.4'), true);
    assert.equal(config.trustedProxies.includes('192.168.1.1'), false, 'the default ranges are replaced, not added to');
    assert.equal(config.trustedProxies.includes('127.0.0.1'), true, 'loopback (the queue-proxy) stays trusted');
  });
});
