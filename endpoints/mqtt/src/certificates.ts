/**
 * The TLS listeners' certificate and key (MQTT over TLS, wss), read again when either file changes. cert-manager renews
 * a certificate in its Secret well before it expires, and a long-lived endpoint must not go on
 * serving the old one until it does. New connections get the new pair; open ones keep theirs. A
 * pair that does not load (the key no longer matching the certificate halfway through an update)
 * leaves the previous one in place and is reported. Polled, as the registry is: a Secret update
 * swaps a symlink, which fs.watch misses.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:tls';

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export type CertificateReport = (outcome: { readonly ok: true } | { readonly ok: false; readonly error: string }) => void;

export const readCertificate = (files: CertificateFiles): { cert: Buffer; key: Buffer } => ({ cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) });

/** `servers`: every listener serving the pair (MQTT over TLS, wss), all given it from one read. */
export function reloadCertificate(servers: readonly Server[], files: CertificateFiles, report: CertificateReport, intervalMs = 2000): () => void {
  const reload = (): void => {
    try {
      const pair = readCertificate(files);
      // Throws, leaving the current context, when the key does not match the certificate: at the first server, so all keep theirs.
      for (const server of servers) server.setSecureContext(pair);
      report({ ok: true });
    } catch (err) {
      report({ ok: false, error: (err as Error).message });
    }
  };
  for (const file of [files.certFile, files.keyFile]) watchFile(file, { interval: intervalMs, persistent: false }, reload);
  return () => {
    for (const file of [files.certFile, files.keyFile]) unwatchFile(file, reload);
  };
}
