/** Assembles the embedded broker from manifests and options; used by main.ts and the tests. */
import type { AddressInfo } from 'node:net';
import { Dispatcher } from './dispatcher';
import { Journal } from './journal';
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
  /** Folder of the write-ahead journal; without it, accepted events live in memory only. */
  readonly journalDir?: string;
  readonly fsync?: boolean;
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
    const journal = opts.journalDir === undefined ? undefined : new Journal(opts.journalDir, opts.fsync === true);
    dispatcher = new Dispatcher(wiring, { resolve: createResolver(opts.services, url, opts.absent), sinks, capacity: opts.capacity, concurrencyPerTrigger: opts.concurrencyPerTrigger, log: opts.log, ...(journal ? { journal } : {}) });
    const recovered = dispatcher.recover();
    if (recovered > 0) opts.log({ msg: 'recovered accepted events from the journal', deliveries: recovered });
  } catch (err) {
    await close();
    throw err;
  }
  const d = dispatcher;
  return { url, wiring, dispatcher, sinks, close: async () => { d.stop(); await close(); } };
}
