import { strict as assert } from 'node:assert';
import { clientAddress, DEFAULT_TRUSTED_PROXIES, trustedProxies, type TrustedProxies } from '../src/client-address';

const trust = (entries: readonly string[]): TrustedProxies => {
  const t = trustedProxies(entries);
  if (t.problems.length > 0) throw new Error(t.problems.join('; '));
  return t.proxies;
};

describe('the source address behind proxies (X-Forwarded-For), for http-ingest and MQTT over WebSocket', () => {
  const cluster = trust(DEFAULT_TRUSTED_PROXIES);
  const cases: [string, string | undefined, string][] = [
    ['no proxy in front', undefined, 'direct'],
    ['an empty header', ' , ', 'direct'],
    ['the gateway saw the client; the activator and queue-proxy appended pod addresses', '203.0.113.9, 10.244.1.7, 10.244.0.3', '203.0.113.9'],
    ['a client that made up its own first entries does not choose its address', '198.51.100.1, 192.0.2.50, 203.0.113.9, 10.244.0.3', '203.0.113.9'],
    ['a made-up private first entry does not hide the client either', '10.9.9.9, 203.0.113.9, 10.244.0.3', '203.0.113.9'],
    ['an entry that is no address is the client\'s own', 'bogus, 10.244.0.3', 'bogus'],
    ['ports, brackets and IPv4-mapped addresses', '[2001:db8::7]:4711, 203.0.113.9:5555, ::ffff:10.1.2.3', '203.0.113.9'],
    ['IPv6 client, IPv6 pods', '2001:DB8::7, fd00::1, ::1', '2001:db8::7'],
    ['every entry trusted (a device on the cluster\'s own LAN): the leftmost', '192.168.1.50, 10.244.0.3', '192.168.1.50'],
  ];
  for (const [what, header, expected] of cases) {
    it(what, () => assert.equal(clientAddress(header, cluster), expected));
  }

  it('trusts only the proxies configured: narrowed to the pod network, a LAN device is told apart from a spoofed entry', () => {
    const pods = trust(['10.244.0.0/16', 'loopback']);
    assert.equal(clientAddress('192.168.1.99, 192.168.1.50, 10.244.0.3', pods), '192.168.1.50');
    assert.equal(clientAddress('192.168.1.50, 10.244.0.3', cluster), '192.168.1.50');
    assert.equal(clientAddress('203.0.113.1, 127.0.0.1', trust(['127.0.0.1'])), '203.0.113.1', 'a single address is a /32');
  });
});
