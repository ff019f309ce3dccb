/**
 * 1. Nothing lost: readings through HTTP and MQTT QoS 1 into the local stack (`npm start`) while the
 * broker is killed, the TSDB is stopped for 30 s, the functions or the MQTT endpoint are killed; then every acked
 * reading is accounted for in the TSDB or the dead-letter sink, and every other one got an error.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, type Stack } from '../support/stack';
import { exportSeries } from '../support/services';
import { record } from './report';
import { httpStream, mqttStream, type MqttDevice, type StreamResult } from './streams';
import { needVictoriaMetricsBinary, startOwnTsdb, type OwnTsdb } from './tsdb';

const N = 400;
const RATE = 25;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('reliability 1: nothing lost under faults (HTTP and MQTT QoS 1, local stack)', function () {
  this.timeout(300_000);
  let tsdb: OwnTsdb;
  let stack: Stack;
  const run = Date.now().toString(36);

  before(async function () {
    await needVictoriaMetricsBinary(this);
    tsdb = await startOwnTsdb();
    stack = await startStack({ INFLUX_URL: tsdb.url });
  });
  after(async () => {
    await stack?.stop();
    await tsdb?.remove();
  });

  const kill = (name: string, signal: NodeJS.Signals = 'SIGKILL'): void => { process.kill(-stack.pid(name), signal); };

  /** Values of `device` in the TSDB (with duplicates) and in the dead-letter sink (with their reasons). */
  async function whereabouts(device: string): Promise<{ stored: number[]; dead: Map<number, string> }> {
    const series = await exportSeries(`{__name__="temperature_temperature",device="${device}"}`, tsdb.url).catch(() => []);
    const dead = new Map<number, string>();
    const file = join(stack.varDir, 'sinks/kiot-dead-letters.jsonl');
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        const ev = JSON.parse(line) as { device?: string; data?: unknown; data_base64?: string; knativeerrorcode?: string; knativeerrordata?: string };
        if (ev.device !== device) continue;
        const body = ev.data_base64 !== undefined ? Buffer.from(ev.data_base64, 'base64').toString() : JSON.stringify(ev.data);
        const value = /"temperature":\s*(\d+)/.exec(body)?.[1];
        if (value !== undefined) dead.set(Number(value), `${ev.knativeerrorcode ?? '?'} ${ev.knativeerrordata ?? ''}`.trim());
      }
    }
    return { stored: series.flatMap((s) => s.values), dead };
  }

  /** Waits until every acked reading is stored or dead-lettered (or the time is up), records the row. */
  async function account(fault: string, protocol: string, device: string, r: StreamResult, faultAt: number): Promise<void> {
    const deadline = Date.now() + 150_000;
    let w = await whereabouts(device);
    const missing = () => [...r.acked].filter((v) => !w.stored.includes(v) && !w.dead.has(v));
    while (missing().length > 0 && Date.now() < deadline) {
      await tick(500);
      w = await whereabouts(device);
    }
    const unique = new Set(w.stored);
    const errors = [...new Set(r.refused.values())].join(', ') || '—';
    record('faults', ['fault', 'protocol', 'sent', 'acked', 'error at device', 'errors seen', 'stored', 'duplicates', 'dead-lettered', 'lost', 'accounted for after'],
      [fault, protocol, r.sent, r.acked.size, r.refused.size, errors, unique.size, w.stored.length - unique.size, w.dead.size, missing().length, `${((Date.now() - faultAt) / 1000).toFixed(1)} s`]);
    assert.equal(r.acked.size + r.refused.size, r.sent, 'every reading was either acked or answered with an error');
    assert.deepEqual(missing(), [], `${protocol}: acked readings neither stored nor dead-lettered`);
    for (const [v, reason] of w.dead) assert.ok(reason.length > 0, `dead letter ${v} has a reason`);
  }

  /** The devices of a run: an HTTP one and an MQTT 5 one that does not reconnect, unless told. */
  type Devices = Record<string, (device: string) => Promise<StreamResult>>;
  const httpAndMqtt5: Devices = {
    HTTP: (device) => httpStream(`http://127.0.0.1:${stack.ports['HTTP_INGEST_PORT']}/`, device, N, RATE),
    'MQTT 5 QoS 1': (device) => mqttStream(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, device, N, RATE),
  };

  async function faultRun(fault: string, key: string, inject: () => Promise<void>, devices: Devices = httpAndMqtt5): Promise<Record<string, StreamResult>> {
    const entries = Object.entries(devices);
    const device = (i: number) => `rel-${run}-${key}-${i}`;
    const streams = Promise.all(entries.map(([, stream], i) => stream(device(i))));
    await tick(4000); // mid-stream: about 100 readings per device are already through
    const faultAt = Date.now();
    await inject();
    const results = await streams;
    for (const [i, [protocol]] of entries.entries()) await account(fault, protocol, device(i), results[i]!, faultAt);
    return Object.fromEntries(entries.map(([protocol], i) => [protocol, results[i]!]));
  }

  const restarted = async (name: string, before: number): Promise<void> => {
    while (stack.starts(name) <= before) await tick(100);
  };

  it('(a) the broker is killed (SIGKILL) and restarted: its journal keeps what it accepted; devices get 503 / PUBACK 0x80 while it is away', async () => {
    const r = await faultRun('(a) broker killed and restarted', 'a', async () => {
      const n = stack.starts('broker');
      kill('broker');
      await restarted('broker', n);
    });
    // While the broker was away the endpoints could not hand readings on, and said so.
    assert.ok(r['HTTP']!.refused.size + r['MQTT 5 QoS 1']!.refused.size > 0, 'some readings were refused while the broker was down');
    for (const e of r['HTTP']!.refused.values()) assert.match(e, /^HTTP 503$/);
    for (const e of r['MQTT 5 QoS 1']!.refused.values()) assert.match(e, /^PUBACK 0x(80|97)$/);
  });

  it('(b) the TSDB is stopped for 30 s and restarted: the writer answers 503 and the broker retries until it is back', async () => {
    const r = await faultRun('(b) TSDB stopped 30 s', 'b', async () => {
      await tsdb.stop();
      await tick(30_000);
      await tsdb.start();
    });
    // The endpoints never depend on the TSDB: every reading was acked.
    assert.equal(r['HTTP']!.acked.size + r['MQTT 5 QoS 1']!.acked.size, 2 * N);
  });

  it('(c) http-ingest, converter and influx-writer are killed (SIGKILL) mid-stream and restarted', async () => {
    const r = await faultRun('(c) functions killed', 'c', async () => {
      const before = ['http-ingest', 'converter', 'influx-writer'].map((f) => [f, stack.starts(f)] as const);
      for (const [f] of before) kill(f);
      for (const [f, n] of before) await restarted(f, n);
    });
    for (const e of r['HTTP']!.refused.values()) assert.match(e, /^(HTTP 503|network: .*)$/);
    assert.equal(r['MQTT 5 QoS 1']!.acked.size, N, 'MQTT does not go through the killed functions');
  });

  it('(d) the MQTT endpoint hangs (SIGSTOP) for a second, is killed (SIGKILL) as a failing liveness probe has it, and restarts: devices that reconnect send their unacked publishes again, and every one is stored', async () => {
    const reconnecting = (protocolVersion: MqttDevice['protocolVersion']) => (device: string) =>
      mqttStream(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, device, N, RATE, { protocolVersion, reconnect: true });
    const r = await faultRun('(d) MQTT endpoint hung 1 s, killed and restarted', 'd', async () => {
      const n = stack.starts('mqtt-endpoint');
      // Hung, it reads nothing: the devices' publishes of that second wait unacked in its socket, and die with it.
      kill('mqtt-endpoint', 'SIGSTOP');
      await tick(1000);
      kill('mqtt-endpoint');
      await restarted('mqtt-endpoint', n);
    }, { 'MQTT 3.1.1 QoS 1': reconnecting(4), 'MQTT 5 QoS 1': reconnecting(5) });
    // Nothing is refused: what the killed endpoint had not acked, the device sent again once it was back.
    for (const [protocol, result] of Object.entries(r)) {
      assert.equal(result.acked.size, N, `${protocol}: every reading acked in the end`);
      assert.ok(result.reconnects! >= 1, `${protocol}: the device reconnected`);
      // The second the endpoint hung, about 25 publishes went out on its connection unacked; they were acked once sent again.
      assert.ok(result.resentAndAcked! >= 10, `${protocol}: only ${result.resentAndAcked} readings sent on the lost connection were acked once sent again`);
    }
  });
});
