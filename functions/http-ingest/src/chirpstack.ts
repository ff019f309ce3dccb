/**
 * ChirpStack v4 HTTP integration (how Helium traffic arrives today): ?event=up carries an uplink
 * whose deviceInfo names the device; other events (join, status, ack, log, …) are answered 204.
 */
import type { Dialect, ExtensionValue } from './dialects';
import { hasEnvelope, readEnvelope, type EnvelopeShape } from './envelope';
import { channelOf } from './request';

const SHAPE: EnvelopeShape = { dialect: 'chirpstack', root: 'deviceInfo', device: ['deviceInfo', 'deviceName'], application: ['deviceInfo', 'applicationName'], jsonSetting: 'set the integration to JSON encoding' };

export const chirpstack: Dialect = {
  name: 'chirpstack',
  // ChirpStack's HTTP integration always adds ?event=: a request with it is ChirpStack's, in JSON or not
  // (its Protobuf encoding then gets a 415 that says which setting to change, not a plain reading).
  recognise: (req, json) => req.query['event'] !== undefined || hasEnvelope(req, json, SHAPE),
  parse(req, json) {
    const { body, identity } = readEnvelope(req, json, SHAPE);
    const channel = channelOf(req.query, 'uplink');
    const event = req.query['event'] ?? 'up';
    if (event !== 'up') return { identity, channel, data: req.body, contentType: 'application/json', extensions: {}, ignored: `chirpstack ${event}` };
    const extensions: Record<string, ExtensionValue> = {};
    if (typeof body['fPort'] === 'number') extensions['lorawanfport'] = body['fPort'];
    if (typeof body['time'] === 'string') extensions['lorawanreceivedat'] = body['time'];
    return { identity, channel, data: req.body, contentType: 'application/json', extensions };
  },
};
