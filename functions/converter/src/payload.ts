/** Turns a raw event's data (object, string or bytes, depending on how it arrived) into RawInput. */
import type { CloudEvent } from 'cloudevents';
import { nestsDeeperThan, NotJson, parseJsonBytes, TOO_DEEP, unprocessable } from '@kiot/core';
import type { CodecName } from './codecs';
import type { RawInput } from './formats';

const isJsonMedia = (t: string): boolean => t === '' || t === 'application/json' || t.endsWith('+json');

export function rawInput(event: CloudEvent<unknown>, codecs: Readonly<Record<string, CodecName>>): RawInput {
  const mediaType = (event.datacontenttype ?? '').split(';')[0]!.trim().toLowerCase();
  const time = event.time ?? new Date().toISOString();
  let data: unknown = event.data ?? (event.data_base64 === undefined ? undefined : Buffer.from(event.data_base64, 'base64'));
  if (data instanceof Uint8Array) data = Buffer.from(data);
  if (Buffer.isBuffer(data) && isJsonMedia(mediaType)) {
    try {
      data = parseJsonBytes(data);
    } catch (err) {
      if (!(err instanceof NotJson)) throw err;
      throw unprocessable(`data declared ${mediaType || 'JSON'} ${err.text}`, `json: ${err.short}`);
    }
  } else if (typeof data === 'string' && isJsonMedia(mediaType)) {
    // Already parsed: a JSON string. One that holds JSON text (a producer that encoded twice) is read
    // as that JSON; any other string is what it is, and the format says why it is no reading.
    try {
      data = JSON.parse(data);
    } catch {
      // kept as the string
    }
  }
  if (data === undefined) throw unprocessable('the event has no data', 'no data');
  if (nestsDeeperThan(data)) throw unprocessable(`data ${TOO_DEEP}`, 'nested too deep');
  const application = typeof event['application'] === 'string' ? event['application'] : '';
  return { mediaType, data, time, application, channel: event.subject ?? '', codecs };
}
