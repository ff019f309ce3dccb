/**
 * MQTT_PROXY_PROTOCOL: behind a load balancer that ends TCP, each connection starts with a PROXY
 * header naming the device's address, and the failed-CONNECT limit keys on it. The header
 * parser on bytes written by hand; then the endpoint behind a real HAProxy (send-proxy, send-proxy-v2).
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parseConfig } from '../src/config';
import { readProxyHeader, sourceAddress } from '../src/proxy-header';
import { freePort } from '../../../test/support/runtime';
import { needService } from '../../../test/support/services';
import { selfSigned, type TestCertificate } from '../../../test/support/certificates';
import { closed, DEVICE, startHarness, type Harness } from './support';

const v2 = (command: number, family: number, addresses: number[], extra: number[] = []): Buffer => {
  const body = [...addresses, ...extra];
  return Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20 | command, family, body.length >> 8, body.length & 0xff, ...body]);
};
const ipv4Pair = [198, 51, 100, 7, 10, 0, 0, 1, 0xc3, 0x50, 0x07, 0x5b];

/**
 * An MQTT.js client whose connection starts with `header` and leaves from `localAddress`, as through a balancer;
 * with `ca`, MQTT then goes over TLS on that connection, after the header, trusting `ca`.
 */
const through = (port: number, header: Buffer | string | undefined, password: string, localAddress = '127.0.0.1', ca?: string): Promise<number> =>
  new Promise((resolve) => {
    const c = new mqtt.MqttClient(() => {
      const s = connect({ port, host: '127.0.0.1', localAddress });
      if (header !== undefined) s.write(header);
      return ca === undefined ? s : tlsConnect({ socket: s, ca, servername: 'localhost' });
    }, { ...DEVICE, password, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 3000 });
    const closedEarly = (): void => resolve(-1);
    c.once('connect', () => {
      c.off('close', closedEarly);
      void c.publishAsync('temperature', '{"t":1}', { qos: 1 }).then(() => c.endAsync()).then(() => resolve(0), () => resolve(-2));
    });
    c.once('error', (e: Error & { code?: number }) => { c.end(true); resolve(e.code ?? -1); });
    c.once('close', closedEarly);
  });

describe('mqtt endpoint behind a load balancer speaking the PROXY protocol', function () {
  this.timeout(20_000);

  describe('the header', () => {
    const cases: [string, Buffer, string | undefined][] = [
      ['v1 TCP4', Buffer.from('PROXY TCP4 198.51.100.7 10.0.0.1 50000 1883\r\n'), '198.51.100.7'],
      ['v1 TCP6', Buffer.from('PROXY TCP6 2001:db8::7 fd00::1 50000 1883\r\n'), '2001:db8::7'],
      ['v1 UNKNOWN (the balancer\'s own check)', Buffer.from('PROXY UNKNOWN\r\n'), undefined],
      ['v2 PROXY over IPv4', v2(1, 0x11, ipv4Pair), '198.51.100.7'],
      ['v2 PROXY over IPv4 with TLVs after the addresses', v2(1, 0x11, ipv4Pair, [0x01, 0x00, 0x02, 0x68, 0x32]), '198.51.100.7'],
      ['v2 PROXY over IPv6', v2(1, 0x21, [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 7, 0xfd, ...Array(14).fill(0), 1, 0xc3, 0x50, 0x07, 0x5b]), '2001:db8:0:0:0:0:0:7'],
      ['v2 LOCAL (a health check)', v2(0, 0x00, []), undefined],
    ];
    for (const [what, header, expected] of cases) it(`reads ${what}`, () => assert.equal(sourceAddress(header), expected));

    it('refuses a v1 header whose source is no address', () => assert.throws(() => sourceAddress(Buffer.from('PROXY TCP4 example.com 10.0.0.1 1 2\r\n')), /no IP source address/));

    it('reads a header split over several packets, and leaves the bytes after it for MQTT; refuses a connection without one', async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      const accepted = (): Promise<Socket> => new Promise((r) => server.once('connection', r));
      try {
        let next = accepted();
        const client = connect(port, '127.0.0.1');
        const raw = await next;
        const read = readProxyHeader(raw, 2000);
        const bytes = Buffer.concat([v2(1, 0x11, ipv4Pair), Buffer.from([0x10, 0x02, 0xab, 0xcd])]);
        for (const part of [bytes.subarray(0, 5), bytes.subarray(5, 15), bytes.subarray(15)]) {
          client.write(part);
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(await read, '198.51.100.7');
        const after = await new Promise<Buffer>((r) => { raw.once('data', r); raw.resume(); });
        assert.deepEqual([...after], [0x10, 0x02, 0xab, 0xcd]);
        client.destroy();
        next = accepted();
        const bare = connect(port, '127.0.0.1');
        const plain = readProxyHeader(await next, 2000);
        bare.write(Buffer.from([0x10, 0x0c, 0x00, 0x04]));
        await assert.rejects(plain, /does not begin with a PROXY protocol header/);
        bare.destroy();
      } finally {
        server.close();
      }
    });

    it('is read from MQTT_PROXY_PROTOCOL, with the endpoint\'s own TLS listener too (TLS passed through the balancer)', () => {
      assert.equal(parseConfig({ K_SINK: 'http://127.0.0.1:1', MQTT_REGISTRY_FILE: 'r.yaml', MQTT_PROXY_PROTOCOL: 'true' }).proxyProtocol, true);
      assert.equal(parseConfig({ K_SINK: 'http://127.0.0.1:1', MQTT_REGISTRY_FILE: 'r.yaml', MQTT_PROXY_PROTOCOL: 'true', MQTT_TLS_CERT_FILE: 'c', MQTT_TLS_KEY_FILE: 'k' }).proxyProtocol, true);
    });
  });

  describe('the endpoint', () => {
    let h: Harness;
    let cert: TestCertificate;
    before(async () => {
      cert = selfSigned('localhost');
      h = await startHarness({ proxyProtocol: true, authFailuresPerMinute: 2, tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile });
    });
    after(() => h?.close());

    it('on the TLS listener: reads the header sent in clear before the handshake, then MQTT over TLS under the address it names', async () => {
      const overTls = (address: string, password: string): Promise<number> => through(h.endpoint.tlsPort!, `PROXY TCP4 ${address} 10.0.0.1 50000 8883\r\n`, password, '127.0.0.1', cert.cert);
      const before = h.sink.received.length;
      assert.deepEqual([await overTls('203.0.113.7', 'wrong'), await overTls('203.0.113.7', 'wrong'), await overTls('203.0.113.7', DEVICE.password)], [0x86, 0x86, 0x97]);
      assert.equal(await overTls('203.0.113.8', DEVICE.password), 0, 'another address behind the same balancer connects and publishes');
      assert.equal(h.sink.received.length, before + 1);
      // No header: the TLS ClientHello is no PROXY header, so the connection closes before any handshake.
      const failures = h.endpoint.metrics.get('kiot_mqtt_proxy_header_failures_total');
      await assert.rejects(new Promise((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: h.endpoint.tlsPort!, ca: cert.cert, servername: 'localhost' }, () => resolve(s));
        s.on('error', reject);
      }));
      assert.equal(h.endpoint.metrics.get('kiot_mqtt_proxy_header_failures_total'), failures + 1);
    });

    it('keys the failed-CONNECT limit on the address in the header, and closes a connection that sends none', async () => {
      const from = (address: string, password: string) => through(h.endpoint.port, `PROXY TCP4 ${address} 10.0.0.1 50000 1883\r\n`, password);
      const [sent, failures] = [h.sink.received.length, h.endpoint.metrics.get('kiot_mqtt_proxy_header_failures_total')];
      assert.deepEqual([await from('198.51.100.7', 'wrong'), await from('198.51.100.7', 'wrong'), await from('198.51.100.7', DEVICE.password)], [0x86, 0x86, 0x97]);
      assert.equal(await from('198.51.100.8', DEVICE.password), 0, 'another device behind the same balancer connects and publishes');
      assert.equal(h.sink.received.length, sent + 1);
      const bare = connect(h.endpoint.port, '127.0.0.1');
      bare.on('error', () => undefined);
      bare.write(Buffer.from([0x10, 0x0c, 0x00, 0x04]));
      assert.ok((await closed(bare)) >= 0);
      // A connection reset halfway through its header: counted, and the endpoint carries on.
      const reset = connect(h.endpoint.port, '127.0.0.1');
      reset.on('error', () => undefined);
      await new Promise((r) => reset.once('connect', r));
      reset.write('PROXY TCP4 198.51');
      await new Promise((r) => setTimeout(r, 50));
      reset.resetAndDestroy();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(h.endpoint.metrics.get('kiot_mqtt_proxy_header_failures_total'), failures + 2);
      assert.equal(await from('198.51.100.9', DEVICE.password), 0, 'still serving');
    });
  });

  describe('behind HAProxy', () => {
    let h: Harness;
    let haproxy: ChildProcess | undefined;
    const ports: Record<string, number> = {};
    let logs = '';
    let cert: TestCertificate;

    before(async function () {
      if (!existsSync('/usr/sbin/haproxy')) await needService(this, 'haproxy', 'file:///usr/sbin/haproxy', 'apt-get install haproxy (scripts/services/install)');
      cert = selfSigned('localhost');
      h = await startHarness({ proxyProtocol: true, authFailuresPerMinute: 2, tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile });
      ports['v1'] = await freePort();
      ports['v2'] = await freePort();
      ports['tls'] = await freePort();
      const cfg = join(mkdtempSync(join(tmpdir(), 'kiot-haproxy-')), 'haproxy.cfg');
      writeFileSync(cfg, [
        'global', '  maxconn 100',
        'defaults', '  mode tcp', '  timeout connect 2s', '  timeout client 30s', '  timeout server 30s',
        ...(['v1', 'v2'] as const).flatMap((v) => [`listen mqtt-${v}`, `  bind 127.0.0.1:${ports[v]}`, `  server endpoint 127.0.0.1:${h.endpoint.port} ${v === 'v1' ? 'send-proxy' : 'send-proxy-v2'}`]),
        // TLS passed through in TCP mode, as a cloud balancer does when the certificate lives with the endpoint.
        'listen mqtt-tls', `  bind 127.0.0.1:${ports['tls']}`, `  server endpoint 127.0.0.1:${h.endpoint.tlsPort} send-proxy-v2`,
        '',
      ].join('\n'));
      haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', cfg]);
      haproxy.stdout!.on('data', (d) => (logs += d));
      haproxy.stderr!.on('data', (d) => (logs += d));
      for (let i = 0; i < 50; i++) {
        const up = await new Promise<boolean>((r) => { const s = connect(ports['v2']!, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
        if (up) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`haproxy did not start: ${logs}`);
    });
    after(async () => {
      haproxy?.kill('SIGTERM');
      await h?.close();
    });

    for (const v of ['v1', 'v2'] as const) {
      it(`with send-proxy${v === 'v2' ? '-v2' : ''}: a device guessing from one address locks out only that address, though HAProxy connects for both`, async () => {
        // Devices on distinct loopback addresses; HAProxy's own connections to the endpoint all come from 127.0.0.1.
        const [guesser, other] = v === 'v1' ? ['127.0.0.2', '127.0.0.3'] : ['127.0.0.4', '127.0.0.5'];
        const before = h.sink.received.length;
        assert.deepEqual([await through(ports[v]!, undefined, 'wrong', guesser), await through(ports[v]!, undefined, 'wrong', guesser), await through(ports[v]!, undefined, DEVICE.password, guesser)], [0x86, 0x86, 0x97], logs);
        assert.equal(await through(ports[v]!, undefined, DEVICE.password, other), 0, logs);
        assert.equal(h.sink.received.length, before + 1);
      });
    }

    it('with TLS passed through (send-proxy-v2 to the TLS listener): the same, over TLS end to end', async () => {
      const [guesser, other] = ['127.0.0.6', '127.0.0.7'];
      const before = h.sink.received.length;
      const attempt = (from: string, password: string) => through(ports['tls']!, undefined, password, from, cert.cert);
      assert.deepEqual([await attempt(guesser, 'wrong'), await attempt(guesser, 'wrong'), await attempt(guesser, DEVICE.password)], [0x86, 0x86, 0x97], logs);
      assert.equal(await attempt(other, DEVICE.password), 0, logs);
      assert.equal(h.sink.received.length, before + 1);
    });
  });
});
