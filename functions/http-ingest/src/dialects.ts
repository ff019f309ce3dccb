/**
 * The envelopes http-ingest understands. The payload itself is never decoded: a dialect only
 * finds who sent it, on which channel, and which metadata to surface. Adding a dialect is one
 * module plus one line in DIALECTS.
 */
import { KiotError } from '@kiot/core';
import { chirpstack } from './chirpstack';
import { plain } from './plain';
import type { IngestRequest } from './request';
import { senml } from './senml';
import { ttsv3 } from './ttsv3';

export type ExtensionValue = string | number | boolean;

export type Identity =
  /** Basic credentials name the device (plain, SenML). */
  | { readonly kind: 'credentials' }
  /** The envelope names the device; a webhook secret or Basic credentials authenticate it. */
  | { readonly kind: 'envelope'; readonly application: string; readonly device: string; readonly lorawanApplication: string };

export interface Envelope {
  readonly identity: Identity;
  readonly channel: string;
  readonly data: Buffer;
  readonly contentType: string;
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
  /** Set for messages that are not telemetry (a join, an ack): answered 204, not forwarded. */
  readonly ignored?: string;
}

export interface Dialect {
  readonly name: string;
  /** Recognised from the body or headers when ?dialect= is absent. */
  recognise(req: IngestRequest, json: () => unknown): boolean;
  parse(req: IngestRequest, json: () => unknown): Envelope;
}

/** Order matters for recognition: the most specific envelopes first, plain last. */
export const DIALECTS: readonly Dialect[] = [ttsv3, chirpstack, senml, plain];

export function chooseDialect(req: IngestRequest, json: () => unknown): Dialect {
  const named = req.query['dialect'];
  if (named !== undefined) {
    const d = DIALECTS.find((x) => x.name === named);
    if (!d) throw new KiotError('BAD_REQUEST', `unknown dialect ${JSON.stringify(named.slice(0, 40))}; known: ${DIALECTS.map((x) => x.name).join(', ')}`);
    return d;
  }
  return DIALECTS.find((d) => d.recognise(req, json)) ?? plain;
}
