/**
 * Which v5 properties a client's packet may carry, and how often (MQTT 5 2.2.2.2 and each packet's
 * section). mqtt-packet parses any known property on any packet and turns one given twice into an
 * array, so a packet no other server takes would otherwise go on here with a value of the wrong type.
 * A property given twice whose first value is 0 or false is overwritten by the parser before
 * anything here sees it: a PUBLISH's are checked as bytes too (property-bytes.ts); on other packets
 * that one case passes unnoticed.
 */
import { REASON } from './publish';

const MESSAGE = ['payloadFormatIndicator', 'messageExpiryInterval', 'contentType', 'responseTopic', 'correlationData', 'userProperties'];

/** The properties each packet a client sends may carry; `will`: a CONNECT's Will Properties. */
const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
  connect: new Set([
    'sessionExpiryInterval', 'authenticationMethod', 'authenticationData', 'requestProblemInformation',
    'requestResponseInformation', 'receiveMaximum', 'topicAliasMaximum', 'userProperties', 'maximumPacketSize',
  ]),
  will: new Set([...MESSAGE, 'willDelayInterval']),
  publish: new Set([...MESSAGE, 'subscriptionIdentifier', 'topicAlias']),
  puback: new Set(['reasonString', 'userProperties']),
  pubrec: new Set(['reasonString', 'userProperties']),
  pubrel: new Set(['reasonString', 'userProperties']),
  pubcomp: new Set(['reasonString', 'userProperties']),
  subscribe: new Set(['subscriptionIdentifier', 'userProperties']),
  unsubscribe: new Set(['userProperties']),
  disconnect: new Set(['sessionExpiryInterval', 'reasonString', 'serverReference', 'userProperties']),
  auth: new Set(['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties']),
};

/** The only property a client may give more than once. */
const REPEATABLE = 'userProperties';

export interface PropertyProblem {
  readonly reason: number;
  readonly message: string;
}

/**
 * Why `properties` may not be on a `packet` (a command, or `will`): a property of another packet is a
 * Malformed Packet, one given twice a Protocol Error. Undefined when they may; and for a command not listed.
 */
export function propertyProblem(packet: string, properties: object | undefined): PropertyProblem | undefined {
  if (properties === undefined) return undefined;
  const allowed = ALLOWED[packet];
  if (allowed === undefined) return undefined;
  const name = packet === 'will' ? 'will' : packet.toUpperCase();
  for (const [key, value] of Object.entries(properties)) {
    if (!allowed.has(key)) return { reason: REASON.malformed, message: `a ${name} carries no ${key} property` };
    if (key !== REPEATABLE && Array.isArray(value)) return { reason: REASON.protocolError, message: `${key} given more than once` };
  }
  return undefined;
}
