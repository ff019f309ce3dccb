/** Entry point: `node broker/build/main.js` (the local stack starts it). */
import { ConfigError } from '@kiot/core';
import { startBroker } from './broker';
import { parseBrokerConfig } from './config';

const log = (line: Record<string, unknown>): void => console.log(JSON.stringify({ time: new Date().toISOString(), component: 'broker', ...line }));

async function main(): Promise<void> {
  const config = parseBrokerConfig(process.env, log);
  const broker = await startBroker(config);
  const triggers = broker.wiring.triggers.map((t) => `${t.namespace}/${t.name}`);
  log({ msg: 'embedded broker ready', url: broker.url, brokers: broker.wiring.brokers.map((b) => `${b.namespace}/${b.name}`), triggers });
  const stop = (): void => {
    log({ msg: 'stopping', pending: broker.dispatcher.depth });
    void broker.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `broker failed to start: ${(err as Error).message}`);
  process.exit(1);
});
