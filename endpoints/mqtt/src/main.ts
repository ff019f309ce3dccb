/** Entry point of the MQTT endpoint: `node endpoints/mqtt/build/main.js` (its container runs this). */
import { Authenticator, ConfigError, startingRegistry, watchRegistryFile } from '@kiot/core';
import { bindingSink } from '@kiot/core/exchange';
import { parseConfig } from './config';
import { startEndpoint } from './server';

const log = (line: Record<string, unknown>): void => console.log(JSON.stringify({ time: new Date().toISOString(), component: 'mqtt-endpoint', ...line }));

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const auth = new Authenticator(startingRegistry(config.registryFile, 'MQTT_REGISTRY_FILE'));
  const endpoint = await startEndpoint(config, {
    authenticate: (application, device, password, gate) => auth.device(application, device, password, gate),
    send: bindingSink(config, config.sinkTimeoutMs, 1, config.sinkPipelining),
    log,
  });
  watchRegistryFile(config.registryFile, (r) => {
    auth.replace(r);
    log({ msg: 'device registry reloaded', disconnected: endpoint.recheck(r) });
  }, (e) => log({ msg: 'device registry reload failed; keeping the previous one', error: e.message }));
  log({ msg: 'mqtt endpoint ready', port: endpoint.port, tlsPort: endpoint.tlsPort, wsPort: endpoint.wsPort, wssPort: endpoint.wssPort, metricsPort: endpoint.metricsPort });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log({ msg: 'stopping: finishing forwards in flight', signal, connections: endpoint.connections() });
    void endpoint.shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `mqtt endpoint failed to start: ${(err as Error).message}`);
  process.exit(1);
});
