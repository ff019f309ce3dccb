/**
 * docs/operators.md's worked example, run as written: scaffold a step, wire it with the guide's own
 * YAML, start the local stack, send a reading, and read the step's output events from the sink.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, needVictoriaMetrics } from './support/services';
import { deviceAuth, startStack, type Stack } from './support/stack';

const ROOT = join(__dirname, '..');
const GUIDE = readFileSync(join(ROOT, 'docs/operators.md'), 'utf8');
const STEP = 'enrich';

describe('docs/operators.md worked example in the local stack', function () {
  this.timeout(180_000);
  let stack: Stack | undefined;
  const created = !existsSync(join(ROOT, 'functions', STEP));

  before(async function () {
    await needVictoriaMetrics(this);
    assert.ok(created, `functions/${STEP} already exists; the example creates it`);
    // Step 1, as the guide says.
    assert.match(GUIDE, new RegExp(`scripts/new-function ${STEP}`));
    const scaffold = spawnSync(join(ROOT, 'scripts/new-function'), [STEP], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(scaffold.status, 0, scaffold.stderr);
    // Step 2: the guide's own YAML, next to eventing/base.
    const yaml = /```yaml\n([\s\S]*?)```/.exec(GUIDE)![1]!;
    const extra = mkdtempSync(join(tmpdir(), 'kiot-ops-'));
    writeFileSync(join(extra, `${STEP}.yaml`), yaml);
    // Step 3: npm start (it builds the new function too).
    stack = await startStack({ KIOT_EVENTING_DIRS: `${join(ROOT, 'eventing/base')},${extra}` });
  });
  after(async () => {
    await stack?.stop();
    if (created) rmSync(join(ROOT, 'functions', STEP), { recursive: true, force: true });
    spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT });
  });

  it('the new step gets every validated reading and its replies reach the sink it was routed to', async () => {
    const res = await fetch(`http://127.0.0.1:${stack!.ports['HTTP_INGEST_PORT']}/?channel=temperature`, { method: 'POST', headers: { authorization: deviceAuth, 'content-type': 'application/json' }, body: '{"temperature": 21.5}' });
    assert.equal(res.status, 202);
    const events = await eventually(async () => {
      const list = (await (await fetch(`http://127.0.0.1:${stack!.ports['BROKER_PORT']}/sinks/enriched`)).json()) as { type: string; device: string; data: { received: { records: { values: { temperature: number } }[] } } }[];
      return list.length > 0 ? list : undefined;
    }, 20_000).catch(async (err: Error) => assert.fail(`${err.message}\n${stack!.output().slice(-3000)}\n${await (await fetch(`http://127.0.0.1:${stack!.ports['BROKER_PORT']}/metrics`)).text()}`));
    assert.equal(events[0]!.type, `io.kiot.${STEP}.v1`);
    assert.equal(events[0]!.device, 'device1');
    assert.equal(events[0]!.data.received.records[0]!.values.temperature, 21.5);
  });
});
