/**
 * 2. Poison never blocks: a field-type conflict (refused by a real InfluxDB 1.x, which enforces field
 * types), an undecodable payload and a schema violation, inside a stream of good readings through
 * the local stack. Each bad one ends in the dead letters or the rejects with a reason; every good
 * one is written.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, type Stack } from '../support/stack';
import { eventually, INFLUX1_URL, influxQL, needInfluxDB1 } from '../support/services';
import { record } from './report';

const GOOD = 300;
const DEVICES = 10;
const auth = `Basic ${Buffer.from('gateway1@demo:demo-gateway-secret').toString('base64')}`;

interface SinkEvent { device?: string; knativeerrorcode?: string | number; reason?: string; data?: { errors?: { message?: string }[] } }

describe('reliability 2: poison never blocks (local stack writing to InfluxDB 1.x)', function () {
  this.timeout(180_000);
  const run = `p${Date.now().toString(36)}`;
  const db = `kiot_poison_${run}`;
  let stack: Stack;

  before(async function () {
    await needInfluxDB1(this);
    await influxQL(`CREATE DATABASE "${db}"`);
    stack = await startStack({ INFLUX_URL: INFLUX1_URL, INFLUX_API: 'v1', INFLUX_BUCKET: db });
  });
  after(async () => {
    await stack?.stop();
    await influxQL(`DROP DATABASE "${db}"`).catch(() => undefined);
  });

  const send = async (device: string, channel: string, contentType: string, body: string | Buffer): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${stack.ports['HTTP_INGEST_PORT']}/?channel=${channel}&as=${device}`, { method: 'POST', headers: { authorization: auth, 'content-type': contentType }, body });
    await res.arrayBuffer();
    return res.status;
  };
  const sink = (name: string): SinkEvent[] => {
    const file = join(stack.varDir, `sinks/${name}.jsonl`);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SinkEvent) : [];
  };
  const values = async (measurement: string, field: string): Promise<unknown[]> =>
    ((await influxQL(`SELECT "${field}" FROM "${measurement}" WHERE device =~ /^${run}-/`, db)).results[0]?.series ?? []).flatMap((s) => s.values.map((v) => v[1]));

  it('dead-letters or rejects each bad reading with its reason and writes every good one', async () => {
    const bad = {
      conflict: `${run}-conflict`,
      undecodable: `${run}-undecodable`,
      schema: `${run}-schema`,
    };
    // The field exists as a float before the stream, so the string for it is the conflict.
    assert.equal(await send(bad.conflict, 'status', 'application/json', '{"level": 1.5}'), 202);
    await eventually(async () => ((await values('status', 'level')).length === 1 ? true : undefined), 20_000);

    let poison = 0;
    for (let i = 0; i < GOOD; i++) {
      assert.equal(await send(`${run}-g${i % DEVICES}`, 'temperature', 'application/json', JSON.stringify({ temperature: i })), 202);
      if (i % 33 === 16) {
        // Three of each kind, spread through the stream; the endpoint accepts them all (it never decodes: the CBOR
        // one starts as an array, then breaks).
        const kind = (['conflict', 'undecodable', 'schema'] as const)[poison++ % 3]!;
        const status = kind === 'conflict' ? await send(bad.conflict, 'status', 'application/json', '{"level": "high"}')
          : kind === 'undecodable' ? await send(bad.undecodable, 'temperature', 'application/senml+cbor', Buffer.from([0x82, 0xff, 0x13, 0x37]))
            : await send(bad.schema, 'temperature', 'application/json', '{"temperature": "hot"}');
        assert.equal(status, 202);
      }
    }

    const good = await eventually(async () => {
      const v = await values('temperature', 'temperature');
      return new Set(v).size === GOOD ? v : undefined;
    }, 60_000, 250).catch(async (e: Error) => {
      const v = await values('temperature', 'temperature');
      throw new Error(`${e.message}: ${new Set(v).size} of ${GOOD} good readings written\n${stack.output().slice(-3000)}`);
    });
    const dead = await eventually(async () => {
      const d = sink('kiot-dead-letters').filter((e) => e.device === bad.conflict || e.device === bad.undecodable);
      return d.length === 6 ? d : undefined;
    }, 60_000, 250);
    const rejects = await eventually(async () => {
      const r = sink('kiot-rejects').filter((e) => e.device === bad.schema);
      return r.length === 3 ? r : undefined;
    }, 30_000, 250);

    const conflicts = dead.filter((e) => e.device === bad.conflict);
    const undecodable = dead.filter((e) => e.device === bad.undecodable);
    assert.equal(conflicts.length, 3);
    for (const e of conflicts) {
      assert.equal(String(e.knativeerrorcode), '422');
      assert.match(e.reason ?? '', /field type conflict/);
    }
    assert.equal(undecodable.length, 3);
    for (const e of undecodable) {
      assert.equal(String(e.knativeerrorcode), '422');
      assert.match(e.reason ?? '', /cbor/i);
    }
    for (const e of rejects) assert.match(e.data?.errors?.[0]?.message ?? '', /must be number/);
    assert.deepEqual(await values('status', 'level'), [1.5], 'the conflicting strings were never written');

    const head = ['bad reading', 'sent among', 'good written', 'ended in', 'reason'];
    record('poison', head, ['field type conflict (InfluxDB 1.x refuses it)', `${GOOD} good`, `${new Set(good).size}/${GOOD}`, `dead letters ×${conflicts.length}`, `${conflicts[0]!.knativeerrorcode} ${conflicts[0]!.reason!.slice(0, 90)}`]);
    record('poison', head, ['undecodable payload (SenML CBOR that is not CBOR)', `${GOOD} good`, `${new Set(good).size}/${GOOD}`, `dead letters ×${undecodable.length}`, `${undecodable[0]!.knativeerrorcode} ${undecodable[0]!.reason}`]);
    record('poison', head, ['schema violation (temperature "hot")', `${GOOD} good`, `${new Set(good).size}/${GOOD}`, `rejects ×${rejects.length}`, rejects[0]!.data!.errors![0]!.message!]);
  });
});
