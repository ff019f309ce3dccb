/** Starts the MQTT endpoint in-process against a real HTTP sink, with the demo registry; MQTT.js helpers for the suites. */
import { connect as rawConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type mqttPacket from 'mqtt-packet';
import { Authenticator, createSink, loadRegistryFile } from '@kiot/core';
import { createPost } from '@kiot/core/exchange';
import type { MqttConfig } from '../src/config';
import { startEndpoint, type RunningEndpoint } from '../src/server';
import { startSink, type TestSink } from '../../../test/support/sink';

export const REGISTRY = join(__dirname, '../../../scripts/stack/demo-registry.yaml');

export interface Harness {
  endpoint: RunningEndpoint;
  sink: TestSink;
  url: string;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<MqttConfig> = {}): Promise<Harness> {
  const sink = await startSink();
  const auth = new Authenticator(loadRegistryFile(REGISTRY));
  const config: MqttConfig = {
    host: '127.0.0.1', port: 0, tlsPort: 0, metricsPort: 0, sink: sink.url, sinkTimeoutMs: 1000, registryFile: REGISTRY,
    maxPacketBytes: 4096, maxConnections: 100, connectTimeoutMs: 500, receiveMaximum: 8, topicAliasMaximum: 4, drainMs: 2000, authFailuresPerMinute: 1000, ...overrides,
  };
  const endpoint = await startEndpoint(config, { authenticate: (a, d, p, g) => auth.device(a, d, p, g), send: createSink({ url: sink.url, timeoutMs: config.sinkTimeoutMs, retryAfterSeconds: 1, post: createPost() }) });
  return { endpoint, sink, url: `mqtt://127.0.0.1:${endpoint.port}`, close: async () => { await endpoint.shutdown(); await sink.close(); } };
}

// MQTT.js clients against a harness, shared by the endpoint's suites.

export const DEVICE = { username: 'device1@demo', password: 'demo-secret' };
export const GATEWAY = { username: 'gateway1@demo', password: 'demo-gateway-secret' };
const clients: MqttClient[] = [];

/** A client a test made itself, closed with the others. */
export function tracked(c: MqttClient): MqttClient {
  clients.push(c);
  return c;
}

export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
}

/** A connected MQTT.js client, closed after the test (freshHarness). */
export async function client(h: Harness, opts: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(h.url, { reconnectPeriod: 0, connectTimeout: 2000, ...opts });
  clients.push(c);
  return c;
}

/** The CONNACK a client gets: the packet when accepted, the error (with its code) when refused. */
export const connackOf = (h: Harness, opts: IClientOptions): Promise<{ error?: { code?: number }; packet?: mqttPacket.IConnackPacket }> =>
  new Promise((resolve) => {
    const c = mqtt.connect(h.url, { reconnectPeriod: 0, connectTimeout: 2000, ...opts });
    clients.push(c);
    c.once('connect', (packet) => resolve({ packet }));
    c.once('error', (error) => resolve({ error: error as { code?: number } }));
  });

export function raw(h: Harness): Promise<Socket> {
  return new Promise((resolve) => {
    const s = rawConnect(h.endpoint.port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    s.resume(); // read what the server sends, as a real client does
  });
}

/** Milliseconds until the server closes `s`; rejects if it is still open after `ms`. */
export const closed = (s: Socket, ms = 3000): Promise<number> => {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    if (s.destroyed) return resolve(0);
    const timer = setTimeout(() => reject(new Error('still open')), ms);
    s.once('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
  });
};

/** A new endpoint (and sink) per test; clients of the test are closed after it. */
export function freshHarness(): { readonly h: Harness } {
  const ctx = {} as { h: Harness };
  beforeEach(async () => { ctx.h = await startHarness(); });
  afterEach(async () => {
    await closeClients();
    await ctx.h.close();
  });
  return ctx;
}

export const disconnectReason = (c: MqttClient): Promise<number | undefined> => new Promise((resolve) => c.once('disconnect', (p) => resolve(p.reasonCode)));
