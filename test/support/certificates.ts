/** Self-signed TLS certificates for tests, made with openssl (scripts/services/install installs it). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM, as read from the files. */
  readonly cert: string;
  readonly key: string;
}

/** A certificate named `cn`, valid a day, for 127.0.0.1 and localhost, in a directory of its own. */
export function selfSigned(cn: string): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), `kiot-cert-${cn}-`));
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { dir, certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
