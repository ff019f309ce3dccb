/**
 * Typed, frozen configuration parsed once from an env map. Every problem is collected, so a bad
 * deployment lists all of them at once instead of failing one variable at a time.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads variables and records problems; `done()` throws a ConfigError listing all of them. */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const v = this.env[name];
    return v === undefined || v === '' ? fallback : v;
  }

  optional(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === '' ? undefined : v;
  }

  required(name: string): string {
    const v = this.optional(name);
    if (v === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    return v;
  }

  integer(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.optional(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.optional(name);
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(v)}`);
    return fallback;
  }

  list(name: string): string[] {
    const v = this.optional(name);
    return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }

  url(name: string, required: boolean): string | undefined {
    const v = required ? this.required(name) : this.optional(name);
    if (v === undefined || v === '') return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') this.problems.push(`${name} must be an http(s) URL, got ${JSON.stringify(v)}`);
    } catch {
      this.problems.push(`${name} must be a URL, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.optional(name);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return fallback;
  }

  /**
   * Event types a stage accepts (`NAME`, comma-separated), never one it emits: a stage that took
   * its own output would loop through the broker.
   */
  eventTypes(name: string, fallback: readonly string[], emits: readonly string[]): string[] {
    const types = this.list(name);
    const chosen = types.length > 0 ? types : [...fallback];
    for (const t of chosen) {
      if (!/^[a-z0-9]+(\.[a-z0-9-]+)+$/.test(t)) this.problems.push(`${name}: ${JSON.stringify(t)} is not a reverse-DNS event type`);
      if (emits.includes(t)) this.problems.push(`${name}: ${t} is a type this stage emits; accepting it would loop`);
    }
    return chosen;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  done<T extends object>(config: T): Readonly<T> {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return deepFreeze(config);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
