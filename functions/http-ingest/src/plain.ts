/** plain: POST /?channel=NAME with any content type; the device is named by Basic credentials. */
import { KiotError, NotJson, parseJsonBytes } from '@kiot/core';
import type { Dialect } from './dialects';
import { channelOf, isJsonMediaType, nestingChecked, parseJson } from './request';

export const plain: Dialect = {
  name: 'plain',
  recognise: () => true,
  parse(req) {
    let contentType = req.contentType;
    if (req.mediaType === '') {
      // Sniffed: JSON when it parses as JSON bytes (then held to what declared JSON is held to), else bytes.
      let doc: unknown;
      let isJson = false;
      try {
        doc = parseJsonBytes(req.body);
        isJson = req.body.length > 0;
      } catch (err) {
        if (!(err instanceof NotJson)) throw err;
      }
      if (isJson) nestingChecked(doc, 'plain');
      contentType = isJson ? 'application/json' : 'application/octet-stream';
    } else if (isJsonMediaType(req.mediaType)) parseJson(req.body, 'plain');
    if (req.body.length === 0) throw new KiotError('BAD_REQUEST', 'the body is empty: send the reading');
    return { identity: { kind: 'credentials' }, channel: channelOf(req.query, 'telemetry'), data: req.body, contentType: contentType ?? 'application/octet-stream', extensions: {} };
  },
};
