/** Starts the MQTT endpoint in-process against a real HTTP sink, with the demo registry. */
import { join } from 'node:path';
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
