/**
 * 1. Nothing lost: readings through HTTP and MQTT QoS 1 into the local stack (`npm start`) while the
 * broker is killed, the TSDB is stopped for 30 s, or the functions are killed; then every acked
 * reading is accounted for in the TSDB or the dead-letter sink, and every other one got an error.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, type Stack } from '../support/stack';
import { exportSeries } from '../support/services';
import { record } from './report';
import { httpStream, mqttStream, type StreamResult } from './streams';
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

  const kill = (name: string): void => { process.kill(-stack.pid(name), 'SIGKILL'); };

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

  async function faultRun(fault: string, key: string, inject: () => Promise<void>): Promise<{ http: StreamResult; mqtt: StreamResult }> {
    const device = (p: string) => `rel-${run}-${key}-${p}`;
    const streams = Promise.all([
      httpStream(`http://127.0.0.1:${stack.ports['HTTP_INGEST_PORT']}/`, device('http'), N, RATE),
      mqttStream(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, device('mqtt'), N, RATE),
    ]);
    await tick(4000); // mid-stream: about 100 readings per protocol are already through
    const faultAt = Date.now();
    await inject();
    const [http, mqtt] = await streams;
    await account(fault, 'HTTP', device('http'), http, faultAt);
    await account(fault, 'MQTT 5 QoS 1', device('mqtt'), mqtt, faultAt);
    return { http, mqtt };
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
    assert.ok(r.http.refused.size + r.mqtt.refused.size > 0, 'some readings were refused while the broker was down');
    for (const e of r.http.refused.values()) assert.match(e, /^HTTP 503$/);
    for (const e of r.mqtt.refused.values()) assert.match(e, /^PUBACK 0x(80|97)$/);
  });

  it('(b) the TSDB is stopped for 30 s and restarted: the writer answers 503 and the broker retries until it is back', async () => {
    const r = await faultRun('(b) TSDB stopped 30 s', 'b', async () => {
      await tsdb.stop();
      await tick(30_000);
      await tsdb.start();
    });
    // The endpoints never depend on the TSDB: every reading was acked.
    assert.equal(r.http.acked.size + r.mqtt.acked.size, 2 * N);
  });

  it('(c) http-ingest, converter and influx-writer are killed (SIGKILL) mid-stream and restarted', async () => {
    const r = await faultRun('(c) functions killed', 'c', async () => {
      const before = ['http-ingest', 'converter', 'influx-writer'].map((f) => [f, stack.starts(f)] as const);
      for (const [f] of before) kill(f);
      for (const [f, n] of before) await restarted(f, n);
    });
    for (const e of r.http.refused.values()) assert.match(e, /^(HTTP 503|network: .*)$/);
    assert.equal(r.mqtt.acked.size, N, 'MQTT does not go through the killed functions');
  });
});
