/** The MQTT endpoint's configuration, parsed once from env at start. */
import { EnvReader, readSinkBinding, readTrustedProxies, type Env, type SinkBinding, type TrustedProxies } from '@kiot/core';

/** K_SINK, K_CE_OVERRIDES and K_CA_CERTS come from the SinkBinding. */
export interface MqttConfig extends SinkBinding {
  readonly host: string;
  readonly port: number;
  readonly tlsPort: number;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly metricsPort: number;
  /** MQTT over WebSocket, when set. */
  readonly wsPort?: number;
  /** MQTT over WebSocket with TLS (the TLS listener's certificate), when set. */
  readonly wssPort?: number;
  /** Proxies (an ingress) whose X-Forwarded-For entries name a WebSocket client's address for the failed-CONNECT limit. */
  readonly wsTrustedProxies: TrustedProxies;
  readonly sinkTimeoutMs: number;
  /** Requests one connection to the Broker carries unanswered (HTTP/1.1 pipelining); 1 is none. */
  readonly sinkPipelining: number;
  /** The longest Retry-After from the sink that holds forwards back (0: never). */
  readonly sinkPauseMaxMs: number;
  readonly registryFile: string;
  /** Largest packet accepted and advertised (v5 Maximum Packet Size). */
  readonly maxPacketBytes: number;
  readonly maxConnections: number;
  /** A connection that sends no CONNECT within this time is closed. */
  readonly connectTimeoutMs: number;
  /** QoS 1 publishes in flight per connection (v5 Receive Maximum); reading stops while reached. */
  readonly receiveMaximum: number;
  /** Payload bytes in flight to the sink across all connections; past it, connections stop reading. */
  readonly maxInflightBytes: number;
  readonly topicAliasMaximum: number;
  /** When set, overrides the client's keep-alive (v5 Server Keep Alive). */
  readonly serverKeepAlive?: number;
  /** Failed CONNECTs per minute per remote address before it is refused (v5 0x97, v3.1.1 3). */
  readonly authFailuresPerMinute: number;
  /** How long SIGTERM waits for forwards in flight. */
  readonly drainMs: number;
  /** The TCP and TLS listeners' connections begin with a PROXY protocol header naming the device's address (a load balancer that ends TCP); on TLS, before the handshake. */
  readonly proxyProtocol: boolean;
}

export function parseConfig(env: Env): Readonly<MqttConfig> {
  const r = new EnvReader(env);
  const cert = r.optional('MQTT_TLS_CERT_FILE');
  const key = r.optional('MQTT_TLS_KEY_FILE');
  if ((cert === undefined) !== (key === undefined)) r.problem('MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE go together');
  const keepAlive = r.integer('MQTT_SERVER_KEEPALIVE', 0, 0, 65535);
  const wsPort = r.optional('MQTT_WS_PORT') === undefined ? undefined : r.integer('MQTT_WS_PORT', 0, 0, 65535);
  const wssPort = r.optional('MQTT_WSS_PORT') === undefined ? undefined : r.integer('MQTT_WSS_PORT', 0, 0, 65535);
  if (wssPort !== undefined && cert === undefined) r.problem('MQTT_WSS_PORT needs MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE');
  const proxyProtocol = r.boolean('MQTT_PROXY_PROTOCOL', false);
  return r.done({
    host: r.string('MQTT_HOST', '0.0.0.0'),
    port: r.integer('MQTT_PORT', 1883, 0, 65535),
    tlsPort: r.integer('MQTT_TLS_PORT', 8883, 0, 65535),
    metricsPort: r.integer('MQTT_METRICS_PORT', 9464, 0, 65535),
    ...readSinkBinding(r),
    sinkTimeoutMs: r.integer('MQTT_SINK_TIMEOUT_MS', 5000, 1),
    sinkPipelining: r.integer('MQTT_SINK_PIPELINING', 1, 1, 64),
    sinkPauseMaxMs: r.integer('MQTT_SINK_PAUSE_MAX_MS', 60_000, 0),
    registryFile: r.required('MQTT_REGISTRY_FILE'),
    maxPacketBytes: r.integer('MQTT_MAX_PACKET_BYTES', 64 * 1024, 64, 268_435_455),
    maxConnections: r.integer('MQTT_MAX_CONNECTIONS', 10_000, 1),
    connectTimeoutMs: r.integer('MQTT_CONNECT_TIMEOUT_MS', 5000, 100),
    receiveMaximum: r.integer('MQTT_RECEIVE_MAXIMUM', 32, 1, 65535),
    maxInflightBytes: r.integer('MQTT_MAX_INFLIGHT_BYTES', 64 * 1024 * 1024, 1),
    topicAliasMaximum: r.integer('MQTT_TOPIC_ALIAS_MAXIMUM', 16, 0, 65535),
    drainMs: r.integer('MQTT_DRAIN_MS', 10_000, 0),
    authFailuresPerMinute: r.integer('MQTT_AUTH_FAILURES_PER_MINUTE', 30, 1),
    ...(cert !== undefined && key !== undefined ? { tlsCertFile: cert, tlsKeyFile: key } : {}),
    ...(keepAlive > 0 ? { serverKeepAlive: keepAlive } : {}),
    ...(wsPort !== undefined ? { wsPort } : {}),
    ...(wssPort !== undefined ? { wssPort } : {}),
    wsTrustedProxies: readTrustedProxies(r, 'MQTT_WS_TRUSTED_PROXIES'),
    proxyProtocol,
  });
}
