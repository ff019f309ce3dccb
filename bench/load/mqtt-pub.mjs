#!/usr/bin/env node
// MQTT load generator (its own process): C clients publish QoS 1 for D seconds, each keeping up to W
// publishes in flight; prints { acked, failed, rate, p50, p99 } of PUBACK latency as JSON.
import mqtt from 'mqtt';

const [url, clients = '8', seconds = '5', window = '16', username = '', password = '', topic = 'temperature'] = process.argv.slice(2);
const latencies = [];
let acked = 0;
let failed = 0;
const body = JSON.stringify({ temperature: 21.5, humidity: 40 });
const conns = await Promise.all(Array.from({ length: Number(clients) }, (_, i) => mqtt.connectAsync(url, { clientId: `bench-${process.pid}-${i}`, ...(username ? { username, password } : {}), protocolVersion: 5, reconnectPeriod: 0 })));
const deadline = Date.now() + Number(seconds) * 1000;
const t0 = Date.now();
await Promise.all(conns.map(async (c) => {
  const lanes = Array.from({ length: Number(window) }, async () => {
    while (Date.now() < deadline) {
      const start = process.hrtime.bigint();
      try {
        await c.publishAsync(topic, body, { qos: 1 });
        acked++;
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      } catch {
        failed++;
      }
    }
  });
  await Promise.all(lanes);
}));
const elapsed = (Date.now() - t0) / 1000;
await Promise.all(conns.map((c) => c.endAsync(true)));
latencies.sort((a, b) => a - b);
const q = (p) => Math.round((latencies[Math.floor(p * (latencies.length - 1))] ?? 0) * 100) / 100;
process.stdout.write(`${JSON.stringify({ acked, failed, rate: Math.round(acked / elapsed), p50: q(0.5), p99: q(0.99) })}\n`);
