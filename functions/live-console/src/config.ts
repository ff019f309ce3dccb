/** live-console configuration, parsed once from env at init. */
import { EnvReader, type Env } from '@kiot/core';

export interface ConsoleConfig {
  /** How many events the console keeps in memory. */
  readonly capacity: number;
  /** Largest data the console keeps per event, in bytes of JSON; bigger data is cut. */
  readonly maxDataBytes: number;
}

export function parseConfig(env: Env): Readonly<ConsoleConfig> {
  const r = new EnvReader(env);
  return r.done({ capacity: r.integer('CONSOLE_EVENTS', 500, 1, 100_000), maxDataBytes: r.integer('CONSOLE_MAX_DATA_BYTES', 8192, 64, 1_000_000) });
}
