/** Assembles the embedded broker from manifests and options; used by main.ts and the tests. */
import type { AddressInfo } from 'node:net';
import { Dispatcher } from './dispatcher';
import { loadDocuments, parseWiring, yamlFiles, type Wiring } from './manifests';
import { createResolver } from './resolve';
import { createBrokerServer } from './server';
import { SinkStore } from './sinks';

export interface BrokerOptions {
  readonly host: string;
  readonly port: number;
  readonly eventingDirs: readonly string[];
  readonly services: Readonly<Record<string, string>>;
  /** Services deliberately not running (the writer without InfluxDB): their Triggers are off. */
  readonly absent: readonly string[];
  readonly sinksDir: string;
  readonly capacity: number;
  readonly concurrencyPerTrigger: number;
  readonly maxBodyBytes: number;
  readonly retryAfterSeconds: number;
  readonly defaultNamespace: string;
  readonly log: (line: Record<string, unknown>) => void;
}

export interface RunningBroker {
  readonly url: string;
  readonly wiring: Wiring;
  readonly dispatcher: Dispatcher;
  readonly sinks: SinkStore;
  close(): Promise<void>;
}

export function loadWiring(dirs: readonly string[], defaultNamespace: string): Wiring {
  return parseWiring(loadDocuments(dirs.flatMap(yamlFiles)), defaultNamespace);
}

export async function startBroker(opts: BrokerOptions, wiring = loadWiring(opts.eventingDirs, opts.defaultNamespace)): Promise<RunningBroker> {
  const sinks = new SinkStore(opts.sinksDir);
  let dispatcher: Dispatcher | undefined;
  const server = createBrokerServer(() => dispatcher, sinks, opts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const close = (): Promise<void> => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  try {
    // Broker refs resolve to this ingress, so the wiring is resolved once the port is known.
    dispatcher = new Dispatcher(wiring, { resolve: createResolver(opts.services, url, opts.absent), sinks, capacity: opts.capacity, concurrencyPerTrigger: opts.concurrencyPerTrigger, log: opts.log });
  } catch (err) {
    await close();
    throw err;
  }
  return { url, wiring, dispatcher, sinks, close };
}
