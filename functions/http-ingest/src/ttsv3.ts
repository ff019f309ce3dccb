/**
 * The Things Stack v3 webhooks. An uplink (end_device_ids + uplink_message) is forwarded whole
 * as the event data; f_port, received_at and simulated surface as extensions. Other message
 * types (join_accept, downlink_ack, location_solved, …) are not telemetry: answered 204.
 */
import { isPlainObject } from '@kiot/core';
import type { Dialect, ExtensionValue } from './dialects';
import { hasEnvelope, readEnvelope, type EnvelopeShape } from './envelope';
import { channelOf } from './request';

const SHAPE: EnvelopeShape = { dialect: 'ttsv3', root: 'end_device_ids', device: ['end_device_ids', 'device_id'], application: ['end_device_ids', 'application_ids', 'application_id'], jsonSetting: 'set the webhook format to JSON' };

export const ttsv3: Dialect = {
  name: 'ttsv3',
  // The Things Stack adds X-Tts-Domain to every webhook request: such a request is its, in JSON or not
  // (its Protobuf format then gets a 415 that says which setting to change, not a plain reading).
  recognise: (req, json) => req.headers['x-tts-domain'] !== undefined || hasEnvelope(req, json, SHAPE),
  parse(req, json) {
    const { body, identity } = readEnvelope(req, json, SHAPE);
    const up = body['uplink_message'];
    const channel = channelOf(req.query, 'uplink');
    if (!isPlainObject(up)) {
      const kind = Object.keys(body).find((k) => !['end_device_ids', 'correlation_ids', 'received_at', 'simulated'].includes(k)) ?? 'unknown';
      return { identity, channel, data: req.body, contentType: 'application/json', extensions: {}, ignored: `ttsv3 ${kind}` };
    }
    const extensions: Record<string, ExtensionValue> = {};
    if (typeof up['f_port'] === 'number') extensions['lorawanfport'] = up['f_port'];
    if (typeof body['received_at'] === 'string') extensions['lorawanreceivedat'] = body['received_at'];
    if (body['simulated'] === true) extensions['lorawansimulated'] = true;
    return { identity, channel, data: req.body, contentType: 'application/json', extensions };
  },
};
