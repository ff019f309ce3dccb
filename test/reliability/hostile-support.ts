/** Small tools for the hostile-input runs. */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { rng } from '../support/seeded';
import type { Stack } from '../support/stack';

/** Resident memory of every process in a process group (npm and the runtime under it), in MB. */
export function processGroupRss(pgid: number): number {
  let kb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
    } catch { /* exited meanwhile */ }
  }
  return Math.round(kb / 1024);
}

/** Hostile raw connections at an MQTT endpoint, `parallel` at a time; which ones the endpoint left open. */
export async function mqttAttacks(port: number, n: number, seed: number, parallel = 25): Promise<{ kinds: Map<string, number>; stillOpen: string[]; slowestCloseMs: number }> {
  const r = rng(seed);
  const connect = (v: 4 | 5, id: string): Buffer => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: v, clean: true, clientId: id, keepalive: 1, username: 'device1@demo', password: Buffer.from('demo-secret') });
  const attacks: [string, (id: string) => Buffer[]][] = [
    ['random bytes', () => [randomBytes(1 + Math.floor(r() * 512))]],
    ['a five-byte remaining length', () => [Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01])]],
    ['a truncated CONNECT', (id) => { const c = connect(5, id); return [c.subarray(0, 2 + Math.floor(r() * (c.length - 3)))]; }],
    ['no CONNECT at all', () => []],
    ['a PUBLISH above the maximum packet size', (id) => [connect(r() < 0.5 ? 4 : 5, id), Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])]],
    ['garbage after a good CONNECT', (id) => [connect(r() < 0.5 ? 4 : 5, id), randomBytes(1 + Math.floor(r() * 256))]],
    ['a second CONNECT', (id) => [connect(5, id), connect(5, id)]],
  ];
  const kinds = new Map<string, number>();
  const stillOpen: string[] = [];
  let slowest = 0;
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const [kind, chunks] = attacks[Math.floor(r() * attacks.length)]!;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const started = Date.now();
    const closed = await new Promise<boolean>((resolve) => {
      const s = connectTcp(port, '127.0.0.1', () => { for (const c of chunks(`attack-${i}`)) s.write(c); });
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      const timer = setTimeout(() => { s.destroy(); resolve(false); }, 6000);
      s.on('close', () => { clearTimeout(timer); resolve(true); });
    });
    if (closed) slowest = Math.max(slowest, Date.now() - started);
    else stillOpen.push(`${i}: ${kind}`);
  };
  await Promise.all(Array.from({ length: parallel }, async () => { while (next < n) await one(next++); }));
  return { kinds, stillOpen, slowestCloseMs: slowest };
}

/** `n` simultaneous MQTT 5 CONNECTs with a wrong password; CONNACK reason code → count (-1: closed without one). */
export async function connectFlood(url: string, n: number): Promise<Map<number, number>> {
  const codes = new Map<number, number>();
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    let code = 0;
    try {
      const c = await mqtt.connectAsync(url, { username: 'device1@demo', password: `wrong-${i}`, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 20_000, clientId: `flood-${i}` });
      await c.endAsync();
    } catch (err) {
      code = (err as { code?: number }).code ?? -1;
    }
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }));
  return codes;
}

export interface Bystander {
  stop(): Promise<{ sent: number; refused: string[] }>;
}

/** A well-behaved device (through the demo gateway) sending one HTTP and one MQTT QoS 1 reading every 250 ms. */
export async function startBystander(stack: Stack, device: string): Promise<Bystander> {
  const auth = `Basic ${Buffer.from('gateway1@demo:demo-gateway-secret').toString('base64')}`;
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, { username: 'gateway1@demo', password: 'demo-gateway-secret', protocolVersion: 5, reconnectPeriod: 0, clientId: `bystander-${device}` });
  const refused: string[] = [];
  const pending: Promise<void>[] = [];
  let k = 0;
  const timer = setInterval(() => {
    if (k >= 499) return; // values stay within the temperature schema (≤ 1000)
    const n = k++;
    pending.push(fetch(`http://127.0.0.1:${stack.ports['HTTP_INGEST_PORT']}/?channel=temperature&as=${device}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' }, body: JSON.stringify({ temperature: 2 * n }) })
      .then(async (res) => { await res.arrayBuffer(); if (res.status !== 202) refused.push(`HTTP ${2 * n}: ${res.status}`); }, (err: Error) => void refused.push(`HTTP ${2 * n}: ${err.message}`)));
    pending.push(client.publishAsync(`temperature/${device}`, JSON.stringify({ temperature: 2 * n + 1 }), { qos: 1 }).then(() => undefined, (err: Error) => void refused.push(`MQTT ${2 * n + 1}: ${err.message}`)));
  }, 250);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
      await client.endAsync();
      return { sent: 2 * k, refused };
    },
  };
}
