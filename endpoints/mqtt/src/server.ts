/** The listeners (TCP; TLS, WebSocket and wss when configured), the client-id table, metrics and health, and shutdown. */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { clientAddress, FailureLimiter, Metrics, probeServer, type AuthOutcome, type Registry, type SendEvent, type VerifyGate } from '@kiot/core';
import { InflightBudget } from './budget';
import { SinkPause } from './sink-pause';
import { readCertificate, reloadCertificate, type CertificateFiles } from './certificates';
import { readProxyHeader } from './proxy-header';
import type { MqttConfig } from './config';
import { REASON } from './publish';
import { refuseConnection } from './refuse';
import { Session, type Connection } from './session';

/** Connections over the limit that are waiting for their CONNECT to be refused with a CONNACK. */
const MAX_REFUSING = 64;

export interface EndpointDeps {
  readonly authenticate: (application: string, device: string, password: string, gate?: VerifyGate) => Promise<AuthOutcome>;
  readonly send: SendEvent;
  /** Operator-facing lines (a renewed TLS certificate); never device data. */
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningEndpoint {
  readonly port: number;
  readonly tlsPort: number | undefined;
  readonly wsPort: number | undefined;
  readonly wssPort: number | undefined;
  readonly metricsPort: number;
  readonly metrics: Metrics;
  readonly connections: () => number;
  /** After a registry reload: disconnects the devices it no longer lets in; returns how many. */
  recheck(registry: Registry): number;
  shutdown(): Promise<void>;
}

const listen = (server: Server | HttpServer, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });

export async function startEndpoint(config: Readonly<MqttConfig>, deps: EndpointDeps): Promise<RunningEndpoint> {
  const metrics = new Metrics();
  const failures = new FailureLimiter(config.authFailuresPerMinute);
  const sessions = new Set<Session>();
  const byClientId = new Map<string, Session>();
  const budget = new InflightBudget(config.maxInflightBytes);
  const pause = new SinkPause(config.sinkPauseMaxMs);
  let accepting = true;
  let registry: Registry | undefined;
  let refusing = 0;
  /** `peer`: the client's address, for the limit on failed CONNECTs (a WebSocket stream has none of its own). */
  const onSocket = (socket: Connection, peer = (socket as { remoteAddress?: string }).remoteAddress ?? 'unknown'): void => {
    if (!accepting || sessions.size >= config.maxConnections) {
      metrics.inc('kiot_mqtt_connections_refused_total');
      // A flood beyond the limit is closed at once: only a few refusals wait for their CONNECT.
      if (refusing >= MAX_REFUSING) return void socket.destroy();
      refusing++;
      socket.once('close', () => refusing--);
      const [reason, message] = accepting ? [REASON.serverBusy, 'too many connections: try again later'] : [REASON.serverUnavailable, 'server shutting down'];
      refuseConnection(socket, reason, message, { bytes: config.maxPacketBytes, ms: config.connectTimeoutMs });
      return;
    }
    if ('setNoDelay' in socket) (socket as Socket).setNoDelay(true);
    const session = new Session(socket, peer, {
      config,
      authenticate: deps.authenticate,
      send: deps.send,
      budget,
      pause,
      failures,
      metrics,
      now: () => new Date(),
      claim: (id, s) => {
        const old = byClientId.get(id);
        byClientId.set(id, s);
        if (old && old !== s) old.takeOver();
      },
      release: (id, s) => {
        if (byClientId.get(id) === s) byClientId.delete(id);
      },
      registry: () => registry,
    });
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  };
  metrics.gauge('kiot_mqtt_connections', () => sessions.size);
  metrics.gauge('kiot_mqtt_inflight_bytes', () => budget.bytes);
  // Behind a balancer speaking the PROXY protocol: its header first, then the connection as usual under the address it names.
  const proxied = (raw: Socket, next: (raw: Socket, address: string) => void): void => {
    readProxyHeader(raw, config.connectTimeoutMs).then((address) => {
      next(raw, address ?? raw.remoteAddress ?? 'unknown');
      raw.resume();
    }, () => {
      metrics.inc('kiot_mqtt_proxy_header_failures_total');
      raw.destroy();
    });
  };
  const tcp = createNetServer((socket) => (config.proxyProtocol ? proxied(socket, onSocket) : onSocket(socket)));
  const port = await listen(tcp, config.port, config.host);
  let tls: TlsServer | undefined;
  let tlsFront: Server | undefined;
  let tlsPort: number | undefined;
  const files: CertificateFiles | undefined = config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile } : undefined;
  /** Every listener serving the certificate (MQTT over TLS, wss): one watch of its files renews them all. */
  const tlsServers: TlsServer[] = [];
  if (files !== undefined) {
    // A TLS connection is its TCP connection wrapped: the same remote address and port name both.
    const headerSource = new Map<string, string>();
    const tuple = (s: Socket): string => `${s.remoteAddress}|${s.remotePort}`;
    tls = createTlsServer(readCertificate(files), (socket) => {
      const key = tuple(socket);
      const source = headerSource.get(key);
      headerSource.delete(key);
      onSocket(socket, source);
    });
    if (config.proxyProtocol) {
      // TLS passed through the balancer: the PROXY header comes first in clear, then the handshake, which the TLS server takes over.
      const server = tls;
      tlsFront = createNetServer((raw) => proxied(raw, (socket, address) => {
        const key = tuple(socket);
        headerSource.set(key, address);
        socket.once('close', () => headerSource.delete(key));
        server.emit('connection', socket);
      }));
      tlsPort = await listen(tlsFront, config.tlsPort, config.host);
    } else {
      tlsPort = await listen(tls, config.tlsPort, config.host);
    }
    tlsServers.push(tls);
  }
  // MQTT over WebSocket (subprotocol "mqtt"), for browsers and networks that only pass HTTP; wss with the TLS listener's certificate.
  // Behind an ingress every upgrade comes from the ingress: its X-Forwarded-For names the client.
  const wsPeer = (req: IncomingMessage): string => clientAddress([req.headers['x-forwarded-for'], req.socket.remoteAddress].filter((v) => v !== undefined).join(', '), config.wsTrustedProxies);
  const webSockets: { server: HttpServer | HttpsServer; ws: WebSocketServer }[] = [];
  const webSocketListener = (server: HttpServer | HttpsServer, port: number): Promise<number> => {
    const ws = new WebSocketServer({ server, maxPayload: config.maxPacketBytes + 8, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
    ws.on('connection', (socket, req) => {
      const stream = createWebSocketStream(socket);
      // MQTT travels in binary frames only; a text frame closes the connection [MQTT-6.0.0-1], before the stream hands its bytes on.
      socket.prependListener('message', (_data, isBinary) => void (isBinary || stream.destroy(new Error('a WebSocket text frame'))));
      onSocket(stream, wsPeer(req));
    });
    webSockets.push({ server, ws });
    return listen(server, port, config.host);
  };
  const upgradeOnly = (_req: IncomingMessage, res: ServerResponse): void => void res.writeHead(426).end('MQTT over WebSocket only');
  const wsPort = config.wsPort === undefined ? undefined : await webSocketListener(createHttpServer(upgradeOnly), config.wsPort);
  let wssPort: number | undefined;
  if (config.wssPort !== undefined && files !== undefined) {
    const https = createHttpsServer(readCertificate(files), upgradeOnly);
    wssPort = await webSocketListener(https, config.wssPort);
    tlsServers.push(https);
  }
  const stopReloading = files === undefined ? undefined : reloadCertificate(tlsServers, files, (o) => deps.log?.(o.ok ? { msg: 'TLS certificate reloaded' } : { msg: 'TLS certificate reload failed; keeping the previous one', error: o.error }));
  const http = probeServer(metrics, () => accepting);
  const metricsPort = await listen(http, config.metricsPort, config.host);
  return {
    port,
    tlsPort,
    wsPort,
    wssPort,
    metricsPort,
    metrics,
    connections: () => sessions.size,
    recheck: (reloaded) => {
      registry = reloaded;
      return [...sessions].filter((s) => s.recheck(reloaded)).length;
    },
    async shutdown() {
      accepting = false;
      tcp.close();
      stopReloading?.();
      tls?.close();
      tlsFront?.close();
      for (const { server, ws } of webSockets) {
        ws.close();
        server.close();
      }
      const deadline = Date.now() + config.drainMs;
      await Promise.all([...sessions].map((s) => s.shutdown(deadline)));
      http.close();
    },
  };
}
