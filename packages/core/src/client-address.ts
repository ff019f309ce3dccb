/**
 * Which address a request came from, for the limit on failed authentications: http-ingest's
 * requests, and the MQTT endpoint's WebSocket upgrades behind an ingress. The runtime hands a
 * function no socket address: behind Knative the only record is X-Forwarded-For, where each
 * proxy (the ingress gateway, the activator, the queue-proxy) appends the peer it saw. The entries a
 * client sends itself come first, so the first entry is whatever the client likes: keyed on it, an
 * attacker could guess passwords from endless made-up addresses, or lock out a device by naming its
 * address. The client is the rightmost entry that no trusted proxy could have added, as Express's
 * `trust proxy` takes it; if every entry is trusted, the leftmost one.
 */
import { BlockList, isIP } from 'node:net';
import type { EnvReader } from './config';

/** Express's names for the ranges proxies live in: a cluster's pods and nodes are in them. */
const NAMED: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export const DEFAULT_TRUSTED_PROXIES: readonly string[] = ['loopback', 'linklocal', 'uniquelocal'];

/** An address as X-Forwarded-For may carry it: with a port, in brackets, IPv4-mapped. Undefined if it is none. */
function bare(entry: string): string | undefined {
  let a = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a)) a = a.slice(7);
  return isIP(a) === 0 ? undefined : a.toLowerCase();
}

export interface TrustedProxies {
  readonly includes: (address: string) => boolean;
}

/** Parses names (loopback, linklocal, uniquelocal) and CIDRs: the proxies of the entries that are right, and a problem for each that is not. */
export function trustedProxies(entries: readonly string[]): { readonly proxies: TrustedProxies; readonly problems: readonly string[] } {
  const list = new BlockList();
  const problems: string[] = [];
  for (const entry of entries.flatMap((e) => NAMED[e.toLowerCase()] ?? [e])) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    const longest = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? longest : Number(bits);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > longest) {
      problems.push(`"${entry}" is neither an address, a CIDR nor one of ${Object.keys(NAMED).join(', ')}`);
      continue;
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  // BlockList.check costs about 0.7 µs a call; a device's proxies are the same few addresses every time.
  const known = new Map<string, boolean>();
  const proxies: TrustedProxies = {
    includes: (a) => {
      let trusted = known.get(a);
      if (trusted === undefined) {
        trusted = list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
        if (known.size >= 4096) known.clear();
        known.set(a, trusted);
      }
      return trusted;
    },
  };
  return { proxies, problems };
}

/**
 * A list of trusted proxies from env (`always` first, then the list or, when unset, the default
 * ranges), every bad entry reported as a config problem.
 */
export function readTrustedProxies(r: EnvReader, name: string, always: readonly string[] = []): TrustedProxies {
  const listed = r.list(name);
  const trusted = trustedProxies([...always, ...(listed.length > 0 ? listed : DEFAULT_TRUSTED_PROXIES)]);
  for (const p of trusted.problems) r.problem(`${name}: ${p}`);
  return trusted.proxies;
}

/** The client's address from an X-Forwarded-For header; 'direct' without one (no proxy in front). */
export function clientAddress(forwardedFor: string | undefined, trusted: TrustedProxies): string {
  const entries = (forwardedFor ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) return 'direct';
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = bare(entries[i]!);
    // Not an address: no proxy wrote that, so it is where the client's own entries begin.
    if (address === undefined || !trusted.includes(address)) return address ?? entries[i]!;
  }
  return bare(entries[0]!)!;
}
