/** SenML (RFC 8428) packs, forwarded as sent with their own content type; the device is named by Basic credentials. */
import { KiotError } from '@kiot/core';
import type { Dialect } from './dialects';
import { channelOf, parseJson } from './request';

const TYPES = ['application/senml+json', 'application/senml+cbor'];

export const senml: Dialect = {
  name: 'senml',
  recognise: (req) => TYPES.includes(req.mediaType),
  parse(req) {
    if (!TYPES.includes(req.mediaType)) throw new KiotError('UNSUPPORTED_MEDIA_TYPE', `senml needs content type ${TYPES.join(' or ')}`);
    if (req.body.length === 0) throw new KiotError('BAD_REQUEST', 'senml: the body is empty');
    if (req.mediaType === 'application/senml+json' && !Array.isArray(parseJson(req.body, 'senml'))) throw new KiotError('BAD_REQUEST', 'senml: a pack is a JSON array');
    // A CBOR pack is an array too (RFC 8428 §6): its first byte says so (major type 4), without decoding what the device sent.
    if (req.mediaType === 'application/senml+cbor' && req.body[0]! >> 5 !== 4) throw new KiotError('BAD_REQUEST', 'senml: a pack is a CBOR array');
    return { identity: { kind: 'credentials' }, channel: channelOf(req.query, 'senml'), data: req.body, contentType: req.mediaType, extensions: {} };
  },
};
