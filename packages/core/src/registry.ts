/**
 * The device registry shared by every device-facing endpoint: applications → devices →
 * scrypt-hashed credentials, gateway permissions, webhook secrets, enabled flags.
 */
import { hash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isPlainObject } from './normalized';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash { N: number; r: number; p: number; salt: Buffer; key: Buffer }

function parseHash(stored: string): ParsedHash | undefined {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  const [, N, r, p, salt, key] = m as unknown as [string, string, string, string, string, string];
  return { N: Number(N), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

export async function verifySecret(stored: string, presented: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  const key = await scrypt(presented, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(key, h.key);
}

export interface DeviceEntry {
  readonly password?: string;
  readonly enabled: boolean;
  /** Devices this one may publish for, as a gateway; ['*'] for any device of its application. */
  readonly gatewayFor: readonly string[];
}

export interface ApplicationEntry {
  readonly enabled: boolean;
  readonly webhookSecret?: string;
  /** The Things Stack application ids that map onto this kiot application. */
  readonly ttsApplications: readonly string[];
  readonly devices: Readonly<Record<string, DeviceEntry>>;
}

export interface Registry {
  readonly applications: Readonly<Record<string, ApplicationEntry>>;
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Validates a parsed registry document; throws with every problem listed. */
export function parseRegistry(doc: unknown): Registry {
  const problems: string[] = [];
  const applications: Record<string, ApplicationEntry> = {};
  const apps = isPlainObject(doc) ? doc['applications'] : undefined;
  if (!isPlainObject(apps)) throw new Error('registry: top-level "applications" map is required');
  for (const [appName, app] of Object.entries(apps)) {
    if (!isPlainObject(app)) { problems.push(`applications.${appName} must be a map`); continue; }
    const devices: Record<string, DeviceEntry> = {};
    const devs = app['devices'] ?? {};
    if (!isPlainObject(devs)) problems.push(`applications.${appName}.devices must be a map`);
    else for (const [devName, dev] of Object.entries(devs)) {
      if (!isPlainObject(dev)) { problems.push(`applications.${appName}.devices.${devName} must be a map`); continue; }
      const password = dev['password'];
      if (password !== undefined && (typeof password !== 'string' || !parseHash(password))) problems.push(`applications.${appName}.devices.${devName}.password must be a scrypt hash (scrypt$N$r$p$salt$hash), never plaintext`);
      devices[devName] = { enabled: dev['enabled'] !== false, gatewayFor: stringList(dev['gatewayFor']), ...(typeof password === 'string' ? { password } : {}) };
    }
    const secret = app['webhookSecret'];
    if (secret !== undefined && (typeof secret !== 'string' || !parseHash(secret))) problems.push(`applications.${appName}.webhookSecret must be a scrypt hash`);
    applications[appName] = { enabled: app['enabled'] !== false, ttsApplications: stringList(app['ttsApplications']), devices, ...(typeof secret === 'string' ? { webhookSecret: secret } : {}) };
  }
  if (problems.length > 0) throw new Error(`registry: ${problems.join('; ')}`);
  return { applications };
}

export type AuthOutcome =
  | { readonly ok: true; readonly application: string; readonly device: string; readonly entry: DeviceEntry }
  | { readonly ok: false; readonly reason: 'unauthenticated' | 'disabled' | 'limited' };

/**
 * Asked before a credential that is not already verified costs a fresh scrypt, so a limiter can
 * count simultaneous guesses too; `begin` false refuses the attempt. Repeats of a verified
 * credential, and requests joining a verification under way, never reach it.
 */
export interface VerifyGate {
  begin(): boolean;
  settle(ok: boolean): void;
}

const LIMITED: AuthOutcome = { ok: false, reason: 'limited' };

/** A hash that costs as much to check as a real one, so unknown devices take as long as known ones. */
const DECOY = hashSecret(randomBytes(16).toString('hex'));

/**
 * Checks credentials against the registry. scrypt costs tens of milliseconds of CPU, so a verified
 * credential is cached briefly under a keyed hash of what was presented (never the secret itself):
 * SHA-256 of a per-process random key followed by it. One call, where an HMAC object cost 3.5× as much
 * CPU on every request; as a lookup key it needs no more (a length extension yields only a new key).
 */
export class Authenticator {
  private readonly cacheKey = randomBytes(32).toString('base64');
  private readonly cache = new Map<string, number>();
  /** Verifications under way, so a burst of requests with one credential runs scrypt once. */
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(private registry: Registry, private readonly ttlMs = 60_000, private readonly maxEntries = 10_000, private readonly now = () => Date.now()) {}

  replace(registry: Registry): void {
    this.registry = registry;
    this.cache.clear();
  }

  get current(): Registry {
    return this.registry;
  }

  async device(application: string, device: string, password: string, gate?: VerifyGate): Promise<AuthOutcome> {
    const app = this.registry.applications[application];
    const entry = app?.devices[device];
    // An unknown device costs and counts exactly as a wrong password does.
    const verified = await this.verifyCached(`d\0${application}\0${device}\0${password}`, entry?.password, password, gate);
    if (verified === 'limited') return LIMITED;
    if (!app || !entry?.password || !verified) return { ok: false, reason: 'unauthenticated' };
    if (!app.enabled || !entry.enabled) return { ok: false, reason: 'disabled' };
    return { ok: true, application, device, entry };
  }

  /** A per-application webhook secret (The Things Stack lets a webhook send custom headers). */
  async webhook(application: string, secret: string, gate?: VerifyGate): Promise<boolean | 'limited'> {
    const app = this.registry.applications[application];
    const verified = await this.verifyCached(`w\0${application}\0${secret}`, app?.webhookSecret, secret, gate);
    return verified === 'limited' ? verified : verified && app?.webhookSecret !== undefined && app.enabled;
  }

  /** `stored` undefined: checks against the decoy, so the answer takes as long, and is false. */
  private async verifyCached(material: string, stored: string | undefined, presented: string, gate?: VerifyGate): Promise<boolean | 'limited'> {
    const key = hash('sha256', `${this.cacheKey}\0${material}\0${stored ?? ''}`, 'base64');
    const expires = this.cache.get(key);
    if (stored !== undefined && expires !== undefined && expires > this.now()) return true;
    const running = this.pending.get(key);
    if (running) return running;
    if (gate && !gate.begin()) return 'limited';
    const check = verifySecret(stored ?? (await DECOY), presented).then((ok) => {
      ok &&= stored !== undefined;
      gate?.settle(ok);
      if (ok) {
        if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(key, this.now() + this.ttlMs);
      }
      return ok;
    }).finally(() => this.pending.delete(key));
    this.pending.set(key, check);
    return check;
  }
}

export function mayPublishFor(gateway: DeviceEntry, device: string): boolean {
  return gateway.gatewayFor.includes('*') || gateway.gatewayFor.includes(device);
}

/** The application a The Things Stack application id maps to (itself when nothing maps it). */
export function applicationForTts(registry: Registry, ttsApplicationId: string): string {
  for (const [name, app] of Object.entries(registry.applications)) if (app.ttsApplications.includes(ttsApplicationId)) return name;
  return ttsApplicationId;
}
