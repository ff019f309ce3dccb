/** LoRaWAN network-server envelopes: The Things Stack v3 uplinks and ChirpStack v4 uplink events. */
import { unprocessable, isPlainObject, type Normalized, type Value } from '@kiot/core';
import { base64Payload, decodeWith, selectCodec, type CodecName } from './codecs';
import { instantText, rfc3339Instant } from './times';

export interface CodecContext {
  readonly application: string;
  readonly channel: string;
  readonly codecs: Readonly<Record<string, CodecName>>;
}

/** The network server's time of the uplink, as it gives it (to the microsecond or nanosecond), else the event time. */
function payloadTime(given: unknown, eventTime: string): string {
  const at = typeof given === 'string' ? rfc3339Instant(given) : undefined;
  return at === undefined ? eventTime : instantText(at);
}

function values(decoded: unknown, what: string): Record<string, Value> {
  if (!isPlainObject(decoded)) throw unprocessable(`${what} is not a JSON object`);
  return decoded as Record<string, Value>;
}

export function isTtsUplink(body: unknown): body is Record<string, unknown> {
  return isPlainObject(body) && isPlainObject(body['end_device_ids']) && isPlainObject(body['uplink_message']);
}

export function fromTtsUplink(body: Record<string, unknown>, eventTime: string, ctx: CodecContext): Normalized {
  const up = body['uplink_message'] as Record<string, unknown>;
  const ids = body['end_device_ids'] as Record<string, unknown>;
  const rx = Array.isArray(up['rx_metadata']) ? up['rx_metadata'].filter(isPlainObject) : [];
  const best = rx.reduce<Record<string, unknown> | undefined>((a, m) => (a === undefined || Number(m['rssi']) > Number(a['rssi']) ? m : a), undefined);
  const meta: Record<string, Value> = { gateways: rx.length };
  if (typeof up['f_port'] === 'number') meta['f_port'] = up['f_port'];
  if (typeof up['f_cnt'] === 'number') meta['f_cnt'] = up['f_cnt'];
  if (typeof ids['dev_eui'] === 'string') meta['dev_eui'] = ids['dev_eui'];
  if (best && typeof best['rssi'] === 'number') meta['rssi'] = best['rssi'];
  if (best && typeof best['snr'] === 'number') meta['snr'] = best['snr'];
  const time = payloadTime(body['received_at'], eventTime);
  const fPort = typeof up['f_port'] === 'number' ? up['f_port'] : undefined;
  const decoded = up['decoded_payload'] !== undefined ? values(up['decoded_payload'], 'ttsv3 decoded_payload') : decodeWith(selectCodec(ctx.codecs, { ...ctx, fPort }), base64Payload(up['frm_payload'], 'ttsv3 frm_payload'), 'ttsv3 frm_payload');
  return { records: [{ time, values: decoded }], meta };
}

export function isChirpstackUplink(body: unknown): body is Record<string, unknown> {
  return isPlainObject(body) && isPlainObject(body['deviceInfo']) && ('object' in body || 'data' in body);
}

export function fromChirpstackUplink(body: Record<string, unknown>, eventTime: string, ctx: CodecContext): Normalized {
  const rx = Array.isArray(body['rxInfo']) ? body['rxInfo'].filter(isPlainObject) : [];
  const meta: Record<string, Value> = { gateways: rx.length };
  if (typeof body['fPort'] === 'number') meta['f_port'] = body['fPort'];
  if (typeof body['fCnt'] === 'number') meta['f_cnt'] = body['fCnt'];
  const info = body['deviceInfo'] as Record<string, unknown>;
  if (typeof info['devEui'] === 'string') meta['dev_eui'] = info['devEui'];
  const rssi = rx.map((m) => m['rssi']).filter((v): v is number => typeof v === 'number');
  if (rssi.length > 0) meta['rssi'] = Math.max(...rssi);
  const time = payloadTime(body['time'], eventTime);
  const fPort = typeof body['fPort'] === 'number' ? body['fPort'] : undefined;
  const decoded = body['object'] !== undefined ? values(body['object'], 'chirpstack object') : decodeWith(selectCodec(ctx.codecs, { ...ctx, fPort }), base64Payload(body['data'], 'chirpstack data'), 'chirpstack data');
  return { records: [{ time, values: decoded }], meta };
}
