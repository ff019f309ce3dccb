/**
 * Kafka TLS and SASL, read from a directory in the format of Knative's Kafka auth Secret (keys
 * `protocol`, `sasl.mechanism`, `user`, `password`, `ca.crt`, `user.crt`, `user.key`), so the
 * Secret the Kafka broker and KafkaSink use can be mounted as it is. The result is plain data in
 * the shape kafkajs takes (`ssl`, `sasl`); this module does not load kafkajs.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface KafkaTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** One object type per mechanism, as kafkajs declares them. */
export type KafkaSasl = { [M in SaslMechanism]: { readonly mechanism: M; readonly username: string; readonly password: string } }[SaslMechanism];

/** kafkajs' `ssl` and `sasl` options: `ssl: true` trusts the system's root CAs. */
export interface KafkaSecurity {
  readonly ssl?: true | KafkaTls;
  readonly sasl?: KafkaSasl;
}

/** One key of the Secret, undefined when the Secret has no such key. */
export type SecretKey = (key: string) => string | undefined;

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS: Readonly<Record<string, SaslMechanism>> = { PLAIN: 'plain', 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512' };

/** Fresh copies to hand kafkajs, which writes into the `sasl` object it is given: a frozen config would make it throw. */
export function kafkaClientSecurity(s: KafkaSecurity | undefined): KafkaSecurity {
  if (s === undefined) return {};
  return { ...(s.ssl !== undefined ? { ssl: s.ssl === true ? true : { ...s.ssl } } : {}), ...(s.sasl !== undefined ? { sasl: { ...s.sasl } } : {}) };
}

/** The security a Secret describes, or every problem with it. Values are used as Knative uses them: exactly, but for the protocol's and mechanism's spelling. */
export function kafkaSecurity(read: SecretKey): { readonly security: KafkaSecurity; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const protocol = (read('protocol')?.trim() ?? 'PLAINTEXT').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) problems.push(`Kafka auth: protocol is ${PROTOCOLS.join(', ')}, not ${JSON.stringify(protocol)}`);
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const [ca, cert, key] = [read('ca.crt'), read('user.crt'), read('user.key')];
  if ((cert === undefined) !== (key === undefined)) problems.push('Kafka auth: user.crt and user.key go together (a client certificate needs its key)');
  if (!tls && (ca ?? cert) !== undefined) problems.push(`Kafka auth: certificates are given but protocol ${protocol} does not use TLS (SSL or SASL_SSL does)`);
  let sasl: KafkaSasl | undefined;
  if (protocol.startsWith('SASL_')) {
    const name = (read('sasl.mechanism')?.trim() ?? 'PLAIN').toUpperCase();
    const mechanism = MECHANISMS[name];
    const [username, password] = [read('user'), read('password')];
    if (mechanism === undefined) problems.push(`Kafka auth: sasl.mechanism is ${Object.keys(MECHANISMS).join(', ')}, not ${JSON.stringify(name)}`);
    if (!username || !password) problems.push(`Kafka auth: protocol ${protocol} needs user and password`);
    if (mechanism && username && password) sasl = { mechanism, username, password };
  }
  const files = { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
  const ssl: KafkaSecurity['ssl'] = !tls ? undefined : Object.keys(files).length > 0 ? files : true;
  return { security: { ...(ssl !== undefined ? { ssl } : {}), ...(sasl !== undefined ? { sasl } : {}) }, problems };
}

/** The security of a mounted Secret (each key a file in `dir`); a directory that is not there, or a key that cannot be read, is a problem. */
export function kafkaSecurityFromDirectory(dir: string): { readonly security: KafkaSecurity; readonly problems: readonly string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { security: {}, problems: [`Kafka auth: ${dir} is not a directory (mount the Kafka auth Secret there)`] };
  const unreadable: string[] = [];
  const result = kafkaSecurity((key) => {
    try {
      return readFileSync(join(dir, key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') unreadable.push(`Kafka auth: ${join(dir, key)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  });
  return { security: result.security, problems: [...unreadable, ...result.problems] };
}
