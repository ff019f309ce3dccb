/** Reading the envelope of LoRaWAN network-server webhooks: nested fields and the names they give. */
import { isPlainObject, KiotError } from '@kiot/core';

export function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) cur = isPlainObject(cur) ? cur[p] : undefined;
  return cur;
}

export function requireName(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[-A-Za-z0-9_.:@]{1,128}$/.test(v)) throw new KiotError('BAD_REQUEST', `${what} is missing or not a valid identifier`);
  return v;
}
