/**
 * CONNECT: who the client is (registry credentials), whether its will could be delivered, and what
 * the CONNACK says. It only decides; the session applies the outcome (state, timers, the write).
 */
import { randomUUID } from 'node:crypto';
import type { IConnectPacket } from 'mqtt-packet';
import type { AuthOutcome, FailureLimiter, VerifyGate } from '@kiot/core';
import type { MqttConfig } from './config';
import { propertyProblem } from './properties';
import { REASON, type Identity } from './publish';
import { willOf, type Will } from './will';

export interface ConnectDeps {
  readonly config: Readonly<MqttConfig>;
  readonly authenticate: (application: string, device: string, password: string, gate?: VerifyGate) => Promise<AuthOutcome>;
  /** Failed CONNECTs per remote address. */
  readonly failures: FailureLimiter;
  readonly now: () => Date;
}

export type Version = 4 | 5;

/** A CONNACK as mqtt-packet generates it. */
export type Connack = Record<string, unknown> & { readonly cmd: 'connack' };

export interface Accepted {
  readonly ok: true;
  readonly version: Version;
  readonly clientId: string;
  readonly identity: Identity;
  readonly will: Will | undefined;
  /** Seconds; 0: none. */
  readonly keepAlive: number;
  /** v5 Request Problem Information: false asks for no reason strings but on CONNACK and DISCONNECT. */
  readonly problemInformation: boolean;
  /** v5 Maximum Packet Size: the largest packet the client takes. */
  readonly clientMaxPacket: number | undefined;
  readonly connack: Connack;
}

export interface Refused {
  readonly ok: false;
  readonly version: Version;
  /** The `result` label of kiot_mqtt_connects_total. */
  readonly result: string;
  readonly connack: Connack;
}

/** A CONNACK that refuses: the v5 reason code with its reason string, or the v3.1.1 return code. */
export function refusingConnack(version: Version, v5: number, v3: number, message: string): Connack {
  return version === 5
    ? { cmd: 'connack', sessionPresent: false, reasonCode: v5, properties: { reasonString: message } }
    : { cmd: 'connack', sessionPresent: false, returnCode: v3 };
}

function refusal(version: Version, v5: number, v3: number, message: string): Refused {
  return { ok: false, version, result: message, connack: refusingConnack(version, v5, v3, message) };
}

/** Decides a CONNECT from `address`: accepted with its CONNACK, or refused with the version's code. */
export async function negotiate(p: IConnectPacket, address: string, deps: ConnectDeps): Promise<Accepted | Refused> {
  const asked = p.protocolVersion ?? 4;
  // MQIsdp names MQTT 3.1, whatever level follows it: a server may not go on as 3.1.1 or 5 (MQTT 5 3.1.2.1, 3.1.1 3.1.2.1).
  if ((asked !== 4 && asked !== 5) || p.protocolId !== 'MQTT') return refusal(4, REASON.unsupportedProtocolVersion, 1, 'unsupported protocol version');
  const version: Version = asked;
  const refuse = (v5: number, v3: number, message: string): Refused => refusal(version, v5, v3, message);
  // Checked before anything reads them (3.1.4: a server closes on a CONNECT not as section 3.1 has it); v3.1.1 has none.
  const bad = version === 5 ? (propertyProblem('connect', p.properties) ?? propertyProblem('will', p.will?.properties)) : undefined;
  if (bad !== undefined) return refuse(bad.reason, 2, bad.message);
  if (version === 5 && p.properties?.authenticationMethod !== undefined) return refuse(REASON.badAuthMethod, 4, 'enhanced authentication is not supported');
  // MQTT 5 3.1.2.11: 0 is no Receive Maximum or Maximum Packet Size; a client's Maximum Packet Size of 0 would let no PUBACK reach it.
  if (p.properties?.receiveMaximum === 0 || p.properties?.maximumPacketSize === 0) return refuse(REASON.protocolError, 2, 'receive maximum and maximum packet size are at least 1');
  // MQTT 3.1.1 [MQTT-3.1.3-8]: no client id and no clean session is refused (a v5 client gets an id assigned).
  if (version === 4 && p.clientId === '' && p.clean === false) return refuse(REASON.clientIdNotValid, 2, 'a client without a client id must ask for a clean session');
  // mqtt-packet decodes ill-formed UTF-8 as U+FFFD; a server may refuse any client id (MQTT 5 3.1.3.1), and this one would be a different id than the client sent.
  if (p.clientId.includes('\uFFFD') || p.clientId.includes('\u0000')) return refuse(REASON.clientIdNotValid, 2, 'client id is ill-formed UTF-8 or holds U+0000');
  const limited = (): Refused => refuse(REASON.quotaExceeded, 3, 'too many failed authentications from this address');
  if (deps.failures.peek(address) > 0) return limited();
  const gate = deps.failures.gate(address);
  const user = p.username ?? '';
  const at = user.lastIndexOf('@');
  const password = p.password === undefined ? '' : Buffer.from(p.password).toString('utf8');
  if (at <= 0 || password === '') {
    gate.fail();
    return refuse(REASON.badUserOrPassword, 4, 'bad user name or password');
  }
  const outcome = await deps.authenticate(user.slice(at + 1), user.slice(0, at), password, gate);
  if (!outcome.ok) {
    if (outcome.reason === 'limited') return limited();
    if (outcome.reason === 'unauthenticated') gate.fail();
    return outcome.reason === 'disabled' ? refuse(REASON.notAuthorized, 5, 'not authorized') : refuse(REASON.badUserOrPassword, 4, 'bad user name or password');
  }
  const identity: Identity = { application: outcome.application, device: outcome.device, entry: outcome.entry };
  const will = willOf(p, identity, deps.now());
  if (!will.ok) return refuse(will.reason, 5, will.message);
  const c = deps.config;
  const clientId = p.clientId !== '' ? p.clientId : `kiot-${randomUUID()}`;
  const keepAlive = c.serverKeepAlive ?? p.keepalive ?? 0;
  const accepted = { ok: true, version, clientId, identity, will: will.will, keepAlive, problemInformation: p.properties?.requestProblemInformation !== false, clientMaxPacket: p.properties?.maximumPacketSize } as const;
  if (version === 4) return { ...accepted, connack: { cmd: 'connack', sessionPresent: false, returnCode: 0 } };
  // Clean start only: a persistent session is downgraded (Session Expiry Interval 0, no session present).
  const properties: Record<string, unknown> = {
    maximumQoS: 1, retainAvailable: false, maximumPacketSize: c.maxPacketBytes, receiveMaximum: c.receiveMaximum, topicAliasMaximum: c.topicAliasMaximum,
    wildcardSubscriptionAvailable: false, subscriptionIdentifiersAvailable: false, sharedSubscriptionAvailable: false, sessionExpiryInterval: 0,
  };
  if (p.clientId === '') properties['assignedClientIdentifier'] = clientId;
  if (c.serverKeepAlive !== undefined) properties['serverKeepAlive'] = c.serverKeepAlive;
  return { ...accepted, connack: { cmd: 'connack', sessionPresent: false, reasonCode: 0, properties } };
}
