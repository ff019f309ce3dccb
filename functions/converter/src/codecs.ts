/**
 * Binary codecs for payloads that arrive as bytes (LoRaWAN frm_payload / data, application/cbor,
 * octet streams), chosen per application, channel and f_port in config. Adding a codec is one
 * entry in CODECS.
 */
import { decodeFirstSync as decodeCbor } from 'cbor';
import { isPlainObject, nestsDeeperThan, parseJsonBytes, TOO_DEEP, unprocessable, type Value } from '@kiot/core';
import { decodeLpp } from './lpp';

export type CodecName = 'lpp' | 'cbor' | 'raw-hex' | 'raw-base64' | 'json';

export const CODECS: Readonly<Record<CodecName, (payload: Buffer) => Record<string, Value>>> = {
  lpp: decodeLpp,
  cbor: (p) => {
    const v: unknown = decodeCbor(p);
    if (nestsDeeperThan(v)) throw new Error(TOO_DEEP);
    return isPlainObject(v) ? (toJsonValue(v) as Record<string, Value>) : { value: toJsonValue(v) };
  },
  'raw-hex': (p) => ({ raw: p.toString('hex') }),
  'raw-base64': (p) => ({ raw: p.toString('base64') }),
  json: (p) => {
    const v: unknown = parseJsonBytes(p);
    if (!isPlainObject(v)) throw new Error('json: not an object');
    if (nestsDeeperThan(v)) throw new Error(`json: ${TOO_DEEP}`);
    return v as Record<string, Value>;
  },
};

export const CODEC_NAMES = Object.keys(CODECS) as CodecName[];

/** CBOR can carry what JSON cannot (bytes, maps with non-string keys, big integers, dates). */
function toJsonValue(v: unknown): Value {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), toJsonValue(x)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x)]));
  throw new Error('cbor: value has no JSON form');
}

export interface CodecKey {
  readonly application: string;
  readonly channel: string;
  readonly fPort?: number | undefined;
}

/** Most specific first: app/channel/fport, app/channel, app//fport, app, *. */
export function selectCodec(table: Readonly<Record<string, CodecName>>, k: CodecKey): CodecName | undefined {
  const candidates = [
    k.fPort === undefined ? undefined : `${k.application}/${k.channel}/${k.fPort}`,
    `${k.application}/${k.channel}`,
    k.fPort === undefined ? undefined : `${k.application}//${k.fPort}`,
    k.application,
    '*',
  ];
  for (const c of candidates) if (c !== undefined && table[c] !== undefined) return table[c];
  return undefined;
}

export function decodeWith(codec: CodecName | undefined, payload: Buffer, what: string): Record<string, Value> {
  if (codec === undefined) throw unprocessable(`${what}: no codec configured (CONVERTER_CODECS)`);
  try {
    return CODECS[codec](payload);
  } catch (err) {
    throw unprocessable(`${what}: ${codec}: ${(err as Error).message}`.slice(0, 200));
  }
}

export function base64Payload(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw unprocessable(`${what}: not base64`);
  return Buffer.from(v, 'base64');
}

