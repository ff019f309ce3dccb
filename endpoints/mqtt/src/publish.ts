/**
 * A PUBLISH as a kiot event: topic → channel (and device, for a gateway), v5 properties →
 * CloudEvent attributes. Returns the event or the v5 reason code that refuses it.
 */
import { isUtf8 } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import { EVENT_TYPES, InvalidAttributes, isoString, mayPublishFor, newEvent, partitionKeyFor, remembered, sniffedJson, sourceFor, type AttributeValue, type BinaryEvent, type DeviceEntry } from '@kiot/core';

export const REASON = {
  success: 0x00,
  unspecified: 0x80,
  malformed: 0x81,
  protocolError: 0x82,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  badUserOrPassword: 0x86,
  serverShuttingDown: 0x8b,
  badAuthMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  administrativeAction: 0x98,
  topicNameInvalid: 0x90,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  payloadFormatInvalid: 0x99,
  retainNotSupported: 0x9a,
  qosNotSupported: 0x9b,
  unsupportedProtocolVersion: 0x84,
  clientIdNotValid: 0x85,
} as const;

export interface Identity {
  readonly application: string;
  readonly device: string;
  readonly entry: DeviceEntry;
}

export interface PublishProps {
  readonly contentType?: string;
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly userProperties?: Readonly<Record<string, string | string[]>>;
}

const CHANNEL = /^[A-Za-z0-9][-A-Za-z0-9_.]{0,127}$/;
const DEVICE = /^[-A-Za-z0-9_.:@]{1,128}$/;

const NO_PROPS: PublishProps = Object.freeze({});

/** The v5 properties of a PUBLISH (or a will) that become attributes; absent ones stay absent. */
export function publishProps(p: PublishProps | undefined): PublishProps {
  if (p === undefined) return NO_PROPS;
  return {
    ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
    ...(p.payloadFormatIndicator !== undefined ? { payloadFormatIndicator: p.payloadFormatIndicator } : {}),
    ...(p.messageExpiryInterval !== undefined ? { messageExpiryInterval: p.messageExpiryInterval } : {}),
    ...(p.userProperties !== undefined ? { userProperties: p.userProperties } : {}),
  };
}

/** MQTT's wildcards: for topic filters only, never in a topic name (MQTT 5 4.7.1). */
const WILDCARD = /[#+]/;

/** What makes a PUBLISH a protocol violation here, before its topic is read: the reason code for the DISCONNECT, or undefined. */
export function publishViolation(p: IPublishPacket): { readonly reason: number; readonly message: string } | undefined {
  if (p.qos === 2) return { reason: REASON.qosNotSupported, message: 'QoS 2 is not supported (Maximum QoS 1)' };
  if (p.retain) return { reason: REASON.retainNotSupported, message: 'retain is not supported' };
  if (p.qos === 1 && !p.messageId) return { reason: REASON.protocolError, message: 'a QoS 1 PUBLISH needs a non-zero packet identifier' };
  // MQTT 5 3.3.1.1: the DUP flag of a QoS 0 PUBLISH MUST be 0 (a fixed header no PUBLISH may have).
  if (p.qos === 0 && p.dup) return { reason: REASON.malformed, message: 'DUP set on a QoS 0 PUBLISH' };
  // Subscription Identifiers travel from server to client only (MQTT 5 3.3.4).
  if (p.properties?.subscriptionIdentifier !== undefined) return { reason: REASON.protocolError, message: 'a client PUBLISH carries no subscription identifier' };
  // Dropped here, but a device that sends a bad one would be disconnected by any other server (MQTT 5 3.3.2.3.5).
  const responseTopic = p.properties?.responseTopic;
  if (responseTopic !== undefined && (responseTopic === '' || WILDCARD.test(responseTopic))) return { reason: REASON.protocolError, message: 'a response topic is a topic name: not empty, no wildcards' };
  return undefined;
}

export type Built = { readonly ok: true; readonly event: BinaryEvent } | { readonly ok: false; readonly reason: number; readonly message: string };

/** JSON as JSON bytes are (core json-bytes.ts): Latin-1 that parses once its bytes are replaced is not; JSON after a byte order mark is, for the converter to name the mark. */
function sniff(payload: Buffer, utf8: boolean): string {
  if (!utf8) return 'application/octet-stream';
  return sniffedJson(payload) !== undefined ? 'application/json' : 'text/plain; charset=utf-8';
}

/** Where a topic puts a connection's publishes: its channel and device, and the gateway that sent it for that device. */
export interface Route {
  readonly subject: string;
  readonly device: string;
  readonly sender: string | undefined;
  readonly source: string;
  readonly partitionkey: string;
}

export type Routed = { readonly ok: true; readonly route: Route } | { readonly ok: false; readonly reason: number; readonly message: string };

/** The route of a topic for an identity: CHANNEL, or CHANNEL/DEVICE for a gateway that may publish for DEVICE. */
export function routeOf(who: Identity, topic: string): Routed {
  if (WILDCARD.test(topic)) return { ok: false, reason: REASON.topicNameInvalid, message: 'a PUBLISH topic has no wildcards (+, #)' };
  const parts = topic.split('/');
  if (parts.length > 2 || !CHANNEL.test(parts[0] ?? '')) return { ok: false, reason: REASON.topicNameInvalid, message: 'topic is CHANNEL or CHANNEL/DEVICE' };
  let device = who.device;
  let sender: string | undefined;
  if (parts.length === 2 && parts[1] !== who.device) {
    if (!DEVICE.test(parts[1]!)) return { ok: false, reason: REASON.topicNameInvalid, message: 'invalid device in topic' };
    if (!mayPublishFor(who.entry, parts[1]!)) return { ok: false, reason: REASON.notAuthorized, message: `may not publish for ${parts[1]}` };
    device = parts[1]!;
    sender = who.device;
  }
  return { ok: true, route: { subject: parts[0]!, device, sender, source: sourceFor(who.application, device), partitionkey: partitionKeyFor(who.application, device) } };
}

/** Topics a connection remembers the route of; past it, it starts over (a gateway may publish for many devices). */
const ROUTES_KEPT = 64;

/**
 * A connection's routes, worked out once per topic: a device publishes to the same few topics again and
 * again, and a route's checks and strings were a tenth of a publish's own work. Forgotten when the
 * identity changes (a reloaded registry may take a gateway's devices away).
 */
export class Routes {
  private current: { readonly who: Identity; readonly route: (topic: string) => Routed } | undefined;

  of(who: Identity, topic: string): Routed {
    let c = this.current;
    if (c === undefined || c.who !== who) this.current = c = { who, route: remembered(ROUTES_KEPT, (t) => routeOf(who, t)) };
    return c.route(topic);
  }
}

/** `marks`: kiot's own extensions for this event (a will's `kiotwill`), set before the user properties. */
export function buildEvent(who: Identity, topic: string, payload: Buffer, props: PublishProps, now: Date, marks: Readonly<Record<string, AttributeValue>> = {}, routes?: Routes): Built {
  const routed = routes === undefined ? routeOf(who, topic) : routes.of(who, topic);
  if (!routed.ok) return routed;
  const route = routed.route;
  const utf8 = isUtf8(payload);
  if (props.payloadFormatIndicator === true && !utf8) return { ok: false, reason: REASON.payloadFormatInvalid, message: 'payload format indicator says UTF-8, the payload is not' };
  const attrs: Record<string, AttributeValue | undefined> = {
    type: EVENT_TYPES.raw,
    source: route.source,
    subject: route.subject,
    time: isoString(now),
    // An empty payload is an event without data: no content type unless the client declared one.
    datacontenttype: props.contentType ?? (payload.length > 0 ? sniff(payload, utf8) : undefined),
    application: who.application,
    device: route.device,
    partitionkey: route.partitionkey,
    kiotdialect: 'mqtt',
  };
  for (const name in marks) attrs[name] = marks[name];
  if (route.sender !== undefined) attrs['sender'] = route.sender;
  if (props.messageExpiryInterval !== undefined) attrs['expiresat'] = new Date(now.getTime() + props.messageExpiryInterval * 1000).toISOString();
  if (props.userProperties !== undefined) {
    for (const [name, value] of Object.entries(props.userProperties)) {
      // User properties become extensions `mqtt<name>` (lowercase letters and digits only, first value).
      const ext = `mqtt${name.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
      if (ext !== 'mqtt' && attrs[ext] === undefined) attrs[ext] = Array.isArray(value) ? String(value[0]) : String(value);
    }
  }
  try {
    return { ok: true, event: newEvent(attrs, payload) };
  } catch (err) {
    // Only a v5 Content Type that is no media type gets here: everything else is kiot's own.
    if (err instanceof InvalidAttributes) return { ok: false, reason: REASON.payloadFormatInvalid, message: err.message.slice(0, 200) };
    throw err;
  }
}
