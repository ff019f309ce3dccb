/** TLS certificate renewal: a pair that does not load leaves the one being served in place, and says why. */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { readCertificate, reloadCertificate } from '../src/certificates';
import { selfSigned } from '../../../test/support/certificates';

const pair = (cn: string): { certFile: string; keyFile: string } => selfSigned(cn);

describe('mqtt endpoint TLS certificate reload', function () {
  this.timeout(20_000);

  it('keeps serving the current pair when the new files do not match, reports it, and takes the next good pair', async () => {
    const [a, b, c] = [pair('first'), pair('second'), pair('third')];
    const live = { certFile: join(mkdtempSync(join(tmpdir(), 'kiot-cert-live-')), 'cert.pem'), keyFile: '' };
    live.keyFile = live.certFile.replace('cert.pem', 'key.pem');
    copyFileSync(a.certFile, live.certFile);
    copyFileSync(a.keyFile, live.keyFile);
    const server = createServer(readCertificate(live), (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const reports: string[] = [];
    const stop = reloadCertificate([server], live, (o) => reports.push(o.ok ? 'ok' : `failed: ${o.error}`), 50);
    const served = (): Promise<string> => new Promise((resolve, reject) => {
      const s = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate().subject.CN as string);
        s.destroy();
      });
      s.on('error', reject);
    });
    const waitFor = async (n: number): Promise<void> => {
      for (let i = 0; i < 100 && reports.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await new Promise((r) => setTimeout(r, 100));
      // b's certificate with a's key: a mismatch, as halfway through an update.
      copyFileSync(b.certFile, live.certFile);
      await waitFor(1);
      assert.match(reports[0] ?? '', /^failed: .*key values mismatch/);
      assert.equal(await served(), 'first');
      copyFileSync(c.keyFile, live.keyFile);
      copyFileSync(c.certFile, live.certFile);
      for (let i = 0; i < 100 && reports.at(-1) !== 'ok'; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await served(), 'third');
    } finally {
      stop();
      server.close();
    }
  });
});
