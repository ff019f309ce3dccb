/**
 * ChirpStack v4 HTTP integration (how Helium traffic arrives today): ?event=up carries an uplink
 * whose deviceInfo names the device; other events (join, status, ack, log, …) are answered 204.
 */
import { isPlainObject, KiotError } from '@kiot/core';
import type { Dialect, ExtensionValue } from './dialects';
import { field, requireName } from './envelope';
import { channelOf, isJsonMediaType } from './request';

export const chirpstack: Dialect = {
  name: 'chirpstack',
  // ChirpStack's HTTP integration always adds ?event=: a request with it is ChirpStack's, in JSON or not
  // (its Protobuf encoding then gets a 415 that says which setting to change, not a plain reading).
  recognise: (req, json) => req.query['event'] !== undefined || (isJsonMediaType(req.mediaType) && isPlainObject(json()) && isPlainObject(field(json(), 'deviceInfo'))),
  parse(req, json) {
    if (!isJsonMediaType(req.mediaType)) throw new KiotError('UNSUPPORTED_MEDIA_TYPE', 'chirpstack events must be application/json (set the integration to JSON encoding)');
    const body = json();
    if (!isPlainObject(body) || !isPlainObject(body['deviceInfo'])) throw new KiotError('BAD_REQUEST', 'chirpstack: deviceInfo is missing');
    const device = requireName(field(body, 'deviceInfo', 'deviceName'), 'chirpstack deviceInfo.deviceName');
    const lorawanApplication = requireName(field(body, 'deviceInfo', 'applicationName'), 'chirpstack deviceInfo.applicationName');
    const identity = { kind: 'envelope' as const, application: lorawanApplication, device, lorawanApplication };
    const channel = channelOf(req.query, 'uplink');
    const event = req.query['event'] ?? 'up';
    if (event !== 'up') return { identity, channel, data: req.body, contentType: 'application/json', extensions: {}, ignored: `chirpstack ${event}` };
    const extensions: Record<string, ExtensionValue> = {};
    if (typeof body['fPort'] === 'number') extensions['lorawanfport'] = body['fPort'];
    if (typeof body['time'] === 'string') extensions['lorawanreceivedat'] = body['time'];
    return { identity, channel, data: req.body, contentType: 'application/json', extensions };
  },
};
