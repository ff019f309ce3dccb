/**
 * The kiot event contract: every type, attribute and extension a kiot function emits or reads.
 * docs/events.md renders the same tables; test/contract.test.ts keeps the two equal.
 */

export const EVENT_TYPES = {
  raw: 'io.kiot.telemetry.raw.v1',
  converted: 'io.kiot.telemetry.converted.v1',
  validated: 'io.kiot.telemetry.validated.v1',
  rejected: 'io.kiot.telemetry.rejected.v1',
} as const;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export interface TypeContract {
  readonly type: EventType;
  readonly producer: string;
  readonly consumers: readonly string[];
  readonly data: string;
}

/** Who emits and who subscribes to each type. No producer may consume what it emits. */
export const TYPE_CONTRACTS: readonly TypeContract[] = [
  { type: EVENT_TYPES.raw, producer: 'http-ingest, mqtt-endpoint', consumers: ['converter', 'live-console'], data: 'what the device sent, unchanged' },
  { type: EVENT_TYPES.converted, producer: 'converter', consumers: ['validator', 'live-console'], data: 'normalized JSON (application/json)' },
  { type: EVENT_TYPES.validated, producer: 'validator', consumers: ['influx-writer', 'live-console'], data: 'normalized JSON, unchanged by the validator' },
  { type: EVENT_TYPES.rejected, producer: 'validator', consumers: ['rejects', 'influx-writer', 'live-console'], data: '{ data, errors[] }: the original data and the schema errors' },
];

export interface AttributeContract {
  readonly name: string;
  readonly kind: 'attribute' | 'extension';
  readonly rule: string;
}

export const ATTRIBUTES: readonly AttributeContract[] = [
  { name: 'id', kind: 'attribute', rule: 'a UUID, new for every event an endpoint or function creates' },
  { name: 'source', kind: 'attribute', rule: 'kiot://{application}/{device}, both URL-encoded' },
  { name: 'type', kind: 'attribute', rule: 'one of the types above, one per stage' },
  { name: 'subject', kind: 'attribute', rule: 'the channel (HTTP ?channel=, MQTT topic)' },
  { name: 'time', kind: 'attribute', rule: 'when the endpoint received the reading (RFC 3339)' },
  { name: 'datacontenttype', kind: 'attribute', rule: 'as the device sent it; application/json when absent and the body parses as JSON' },
  { name: 'dataschema', kind: 'attribute', rule: 'a URI when known (?dataschema=, config)' },
  { name: 'application', kind: 'extension', rule: 'the kiot application' },
  { name: 'device', kind: 'extension', rule: 'the device the reading is about' },
  { name: 'sender', kind: 'extension', rule: 'the gateway that published for the device, when not the device itself' },
  { name: 'partitionkey', kind: 'extension', rule: '{application}/{device}: the Kafka record key, keeps each device in order' },
  { name: 'traceparent', kind: 'extension', rule: 'W3C trace context, passed through unchanged' },
];

/** Knative filter attribute names and CloudEvents extension names: lowercase alphanumeric. */
export const EXTENSION_NAME = /^[a-z][a-z0-9]*$/;

export const KIOT_SOURCE_SCHEME = 'kiot://';

export function sourceFor(application: string, device: string): string {
  return `${KIOT_SOURCE_SCHEME}${encodeURIComponent(application)}/${encodeURIComponent(device)}`;
}

export function partitionKeyFor(application: string, device: string): string {
  return `${application}/${device}`;
}

/** Extensions every stage copies from the event it received onto the event it replies with. */
export const IDENTITY_EXTENSIONS = ['application', 'device', 'sender', 'partitionkey', 'traceparent'] as const;

export interface StatusRule {
  readonly status: string;
  readonly meaning: string;
  readonly broker: 'delivered' | 'retried' | 'dead-lettered';
}

/** How a function's HTTP answer is read by a Knative Broker (Kafka dispatcher, isRetryableStatusCode). */
export const STATUS_RULES: readonly StatusRule[] = [
  { status: '200 with a CloudEvent', meaning: 'done; the reply re-enters the broker', broker: 'delivered' },
  { status: '202 or 204, empty body', meaning: 'done; nothing to reply', broker: 'delivered' },
  { status: '400, 422 (and other 4xx)', meaning: 'bad input; kne-reason names why', broker: 'dead-lettered' },
  { status: '404, 408, 409, 429', meaning: 'transient on the receiving side', broker: 'retried' },
  { status: '5xx', meaning: 'transient; a dependency is down', broker: 'retried' },
];

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429;
}
