/**
 * Devices for the fault runs: each sends readings 0..n-1 at a fixed rate and records, per reading,
 * whether it was acked (HTTP 202, MQTT PUBACK 0x00) or what error it got instead.
 */
import mqtt from 'mqtt';

export interface StreamResult {
  readonly sent: number;
  readonly acked: Set<number>;
  /** reading → the error the device saw (an HTTP status, a PUBACK reason code, or a network error). */
  readonly refused: Map<number, string>;
  /** MQTT, a device that reconnects: its reconnections, and the readings it sent on a connection that was lost before their PUBACK, acked once sent again. */
  readonly reconnects?: number;
  readonly resentAndAcked?: number;
}

const GATEWAY = { user: 'gateway1@demo', password: 'demo-gateway-secret' };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POSTs `{"temperature": i}` as `device` (through the demo gateway) at `rate` per second. */
export async function httpStream(ingestUrl: string, device: string, n: number, rate: number): Promise<StreamResult> {
  const acked = new Set<number>();
  const refused = new Map<number, string>();
  const auth = `Basic ${Buffer.from(`${GATEWAY.user}:${GATEWAY.password}`).toString('base64')}`;
  const url = `${ingestUrl}?channel=temperature&as=${encodeURIComponent(device)}`;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    pending.push(fetch(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ temperature: i }), signal: AbortSignal.timeout(20_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status === 202) acked.add(i);
        else refused.set(i, `HTTP ${res.status}`);
      }, (err: Error) => void refused.set(i, `network: ${(err.cause as { code?: string } | undefined)?.code ?? err.name}`)));
    await tick(1000 / rate);
  }
  await Promise.all(pending);
  return { sent: n, acked, refused };
}

/** How an MQTT device behaves: its protocol, and whether it reconnects (and resends what was unacked) when its connection is lost. */
export interface MqttDevice {
  readonly protocolVersion: 4 | 5;
  readonly reconnect: boolean;
}

/** Publishes `{"temperature": i}` on `temperature/<device>` with QoS 1 at `rate` per second (MQTT 5, no reconnect, unless told). */
export async function mqttStream(mqttUrl: string, device: string, n: number, rate: number, how: MqttDevice = { protocolVersion: 5, reconnect: false }): Promise<StreamResult> {
  const acked = new Set<number>();
  const refused = new Map<number, string>();
  // A device that reconnects keeps its unacked publishes and sends them again on the new connection (MQTT.js's outgoing store).
  const client = await mqtt.connectAsync(mqttUrl, { username: GATEWAY.user, password: GATEWAY.password, protocolVersion: how.protocolVersion, reconnectPeriod: how.reconnect ? 250 : 0, connectTimeout: 5000, clientId: `rel-${device}` });
  let reconnects = 0;
  let resentAndAcked = 0;
  client.on('connect', () => void reconnects++);
  let closes = 0;
  client.on('close', () => void closes++);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    // Sent on a live connection: a close before its PUBACK means it was sent again on the next.
    const at = client.connected ? closes : undefined;
    pending.push(client.publishAsync(`temperature/${device}`, JSON.stringify({ temperature: i }), { qos: 1 })
      .then(() => {
        acked.add(i);
        if (at !== undefined && closes > at) resentAndAcked++;
      }, (err: Error & { code?: number }) => void refused.set(i, err.code !== undefined ? `PUBACK 0x${err.code.toString(16)}` : `MQTT: ${err.message}`)));
    await tick(1000 / rate);
  }
  await Promise.all(pending);
  await client.endAsync();
  return { sent: n, acked, refused, reconnects, resentAndAcked };
}
