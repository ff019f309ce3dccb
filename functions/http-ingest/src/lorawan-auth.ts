/** What LoRaWAN network-server webhooks have in common: an envelope that names the device. */
import { KiotError } from '@kiot/core';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) cur = isMap(cur) ? cur[p] : undefined;
  return cur;
}

export function requireName(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[-A-Za-z0-9_.:@]{1,128}$/.test(v)) throw new KiotError('BAD_REQUEST', `${what} is missing or not a valid identifier`);
  return v;
}

export { isMap };
