// kafkajs alone, as the consumer bundles it, in a process of its own as the consumer runs in one (the
// bench's own heap, holding every point it produced, would slow its collections): records/s delivered
// to an eachBatch that does nothing, from joining the group to the last record. Prints the rate.
// Usage: node kafkajs-alone.mjs <brokers> <topic> <group> <records>
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const { Kafka, logLevel } = createRequire(import.meta.url)('../build/kafkajs.js');
const [brokers, topic, groupId, count] = process.argv.slice(2);
const n = Number(count);
const kafka = new Kafka({ clientId: 'kiot-bench-alone', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
// As the consumer reads (kafka/consumer.ts): the same fetch size and partitions at once.
const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024 });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
let joined = 0;
let got = 0;
consumer.on(consumer.events.GROUP_JOIN, () => (joined = performance.now()));
const done = new Promise((resolve) => void consumer.run({ partitionsConsumedConcurrently: 3, eachBatch: async ({ batch }) => { got += batch.messages.length; if (got >= n) resolve(performance.now()); } }));
// The give-up timer is cancelled once the records are in: left running, it held the process open for two minutes.
const giveUp = new AbortController();
const end = await Promise.race([done, sleep(120_000, 0, { signal: giveUp.signal })]);
giveUp.abort();
await consumer.disconnect();
if (end === 0 || joined === 0) {
  process.stderr.write(`kafkajs alone read ${got} of ${n} records\n`);
  process.exit(1);
}
process.stdout.write(`${n / ((end - joined) / 1000)}\n`);
