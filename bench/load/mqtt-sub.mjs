#!/usr/bin/env node
// The subscriber that makes Mosquitto do a broker's work: counts messages until SIGTERM, prints the count.
import mqtt from 'mqtt';

const [url, topic = 'temperature'] = process.argv.slice(2);
let received = 0;
const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
c.on('message', () => received++);
await c.subscribeAsync(topic, { qos: 1 });
process.stdout.write('ready\n');
process.once('SIGTERM', async () => {
  process.stdout.write(`${JSON.stringify({ received })}\n`);
  await c.endAsync(true);
  process.exit(0);
});
