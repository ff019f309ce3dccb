/**
 * The table of payload formats the converter understands. Adding one is a module that exports
 * `matches` and `convert`, plus one line here; first match wins.
 */
import { decodeFirstSync as decodeCbor } from 'cbor';
import { nestsDeeperThan, TOO_DEEP, unprocessable, type Normalized } from '@kiot/core';
import { CODECS, decodeWith, selectCodec, type CodecName } from './codecs';
import { fromForm } from './form';
import { fromJson } from './json';
import { fromChirpstackUplink, fromTtsUplink, isChirpstackUplink, isTtsUplink } from './lorawan';
import { fromSenml, senmlFromCbor } from './senml';

export interface RawInput {
  /** Lower-case media type without parameters; '' when the event had none. */
  readonly mediaType: string;
  readonly data: unknown;
  /** The event time: used when the payload carries no time of its own. */
  readonly time: string;
  readonly application: string;
  readonly channel: string;
  /** Codec per `app`, `app/channel`, `app/channel/fport`, `app//fport` or `*` (CONVERTER_CODECS). */
  readonly codecs: Readonly<Record<string, CodecName>>;
}

export interface Format {
  readonly name: string;
  matches(input: RawInput): boolean;
  convert(input: RawInput): Normalized;
}

const isJsonType = (t: string): boolean => t === 'application/json' || t === '' || /^application\/[-.\w]+\+json$/.test(t);

export const FORMATS: readonly Format[] = [
  { name: 'senml', matches: (i) => i.mediaType === 'application/senml+json', convert: (i) => fromSenml(i.data, i.time) },
  { name: 'senml-cbor', matches: (i) => i.mediaType === 'application/senml+cbor', convert: (i) => fromSenml(senmlFromCbor(cborOf(i.data)), i.time) },
  { name: 'cbor', matches: (i) => i.mediaType === 'application/cbor', convert: (i) => ({ records: [{ time: i.time, values: decodeWith('cbor', bytes(i.data), 'cbor') }] }) },
  {
    name: 'binary',
    matches: (i) => i.mediaType === 'application/octet-stream',
    convert: (i) => ({ records: [{ time: i.time, values: decodeWith(selectCodec(i.codecs, i), bytes(i.data), 'binary payload') }] }),
  },
  { name: 'ttsv3', matches: (i) => isJsonType(i.mediaType) && isTtsUplink(i.data), convert: (i) => fromTtsUplink(i.data as Record<string, unknown>, i.time, i) },
  { name: 'chirpstack', matches: (i) => isJsonType(i.mediaType) && isChirpstackUplink(i.data), convert: (i) => fromChirpstackUplink(i.data as Record<string, unknown>, i.time, i) },
  { name: 'json', matches: (i) => isJsonType(i.mediaType), convert: (i) => fromJson(i.data, i.time, i.channel) },
  { name: 'form', matches: (i) => i.mediaType === 'application/x-www-form-urlencoded', convert: (i) => fromForm(i.data, i.time, i.channel) },
];

function bytes(data: unknown): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(String(data), 'utf8');
}

function cborOf(data: unknown): unknown {
  let decoded: unknown;
  try {
    decoded = decodeCbor(bytes(data));
  } catch {
    throw unprocessable('senml+cbor: not CBOR');
  }
  if (nestsDeeperThan(decoded)) throw unprocessable(`senml+cbor: ${TOO_DEEP}`, 'nested too deep');
  return decoded;
}

export { CODECS };

export function convert(input: RawInput): { format: string; normalized: Normalized } {
  const format = FORMATS.find((f) => f.matches(input));
  if (!format) throw unprocessable(`unsupported content type ${JSON.stringify(input.mediaType)}`, 'unsupported content type');
  return { format: format.name, normalized: format.convert(input) };
}
