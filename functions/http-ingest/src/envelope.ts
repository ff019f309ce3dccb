/** Reading the envelope of LoRaWAN network-server webhooks: nested fields and the names they give. */
import { isPlainObject, KiotError } from '@kiot/core';
import type { Identity } from './dialects';
import { isJsonMediaType, type IngestRequest } from './request';

export function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) cur = isPlainObject(cur) ? cur[p] : undefined;
  return cur;
}

export function requireName(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[-A-Za-z0-9_.:@]{1,128}$/.test(v)) throw new KiotError('BAD_REQUEST', `${what} is missing or not a valid identifier`);
  return v;
}

/** Where a network server's JSON envelope names things, and how to tell its user a setting is wrong. */
export interface EnvelopeShape {
  readonly dialect: string;
  /** The key of the object every message carries (end_device_ids, deviceInfo). */
  readonly root: string;
  readonly device: readonly string[];
  readonly application: readonly string[];
  /** The server's setting that makes it send JSON. */
  readonly jsonSetting: string;
}

/** Whether the body is this server's JSON envelope. */
export const hasEnvelope = (req: IngestRequest, json: () => unknown, shape: EnvelopeShape): boolean =>
  isJsonMediaType(req.mediaType) && isPlainObject(json()) && isPlainObject(field(json(), shape.root));

/** The envelope's body and who it names: 415 when it is not JSON, 400 when the names are missing. */
export function readEnvelope(req: IngestRequest, json: () => unknown, shape: EnvelopeShape): { body: Record<string, unknown>; identity: Identity } {
  if (!isJsonMediaType(req.mediaType)) throw new KiotError('UNSUPPORTED_MEDIA_TYPE', `${shape.dialect} messages must be application/json (${shape.jsonSetting})`);
  const body = json();
  if (!isPlainObject(body) || !isPlainObject(body[shape.root])) throw new KiotError('BAD_REQUEST', `${shape.dialect}: ${shape.root} is missing`);
  const device = requireName(field(body, ...shape.device), `${shape.dialect} ${shape.device.join('.')}`);
  const lorawanApplication = requireName(field(body, ...shape.application), `${shape.dialect} ${shape.application.join('.')}`);
  return { body, identity: { kind: 'envelope', application: lorawanApplication, device, lorawanApplication } };
}
