/** plain: POST /?channel=NAME with any content type; the device is named by Basic credentials. */
import { KiotError, sniffedJson } from '@kiot/core';
import type { Dialect } from './dialects';
import { channelOf, isJsonMediaType, nestingChecked, parseJson } from './request';

export const plain: Dialect = {
  name: 'plain',
  recognise: () => true,
  parse(req) {
    let contentType = req.contentType;
    if (req.mediaType === '') {
      // Sniffed: JSON when it is (core json-bytes.ts), then held to what declared JSON is held to (a byte order mark is named), else bytes.
      const sniffed = req.body.length > 0 ? sniffedJson(req.body) : undefined;
      if (sniffed === undefined) contentType = 'application/octet-stream';
      else if ('mark' in sniffed) throw new KiotError('BAD_REQUEST', `plain: the body is JSON but ${sniffed.mark.text}`);
      else {
        nestingChecked(sniffed.value, 'plain');
        contentType = 'application/json';
      }
    } else if (isJsonMediaType(req.mediaType)) parseJson(req.body, 'plain');
    if (req.body.length === 0) throw new KiotError('BAD_REQUEST', 'the body is empty: send the reading');
    return { identity: { kind: 'credentials' }, channel: channelOf(req.query, 'telemetry'), data: req.body, contentType: contentType ?? 'application/octet-stream', extensions: {} };
  },
};
