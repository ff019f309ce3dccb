/** The local stack's plan (scripts/stack/plan.mjs): which processes `npm start` runs, from env alone. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackPlan } from '../scripts/stack/plan.mjs';

const plan = async (env: Record<string, string>): Promise<StackPlan> => (await import('../scripts/stack/plan.mjs')).stackPlan(env);

describe('local stack plan', () => {
  it('runs every function, the broker and the MQTT endpoint; the writer only with INFLUX_URL', async () => {
    const bare = await plan({});
    assert.ok(bare.processes.some((p) => p.name === 'live-console'));
    assert.ok(!bare.processes.some((p) => p.name === 'influx-writer'));
    assert.deepEqual(bare.absent, ['influx-writer']);
    assert.ok((await plan({ INFLUX_URL: 'http://127.0.0.1:8428' })).processes.some((p) => p.name === 'influx-writer'));
  });

  it('leaves out the functions KIOT_STACK_WITHOUT names, and the broker disables their Triggers', async () => {
    const p = await plan({ INFLUX_URL: 'http://127.0.0.1:8428', KIOT_STACK_WITHOUT: 'live-console' });
    assert.ok(!p.processes.some((x) => x.name === 'live-console'));
    assert.deepEqual(p.absent, ['live-console']);
    const broker = p.processes.find((x) => x.name === 'broker')!;
    assert.equal(broker.env['BROKER_ABSENT_SERVICES'], 'live-console');
    assert.ok(!broker.env['BROKER_SERVICES']!.includes('live-console='));
  });

  it('refuses a name that is no function, listing the functions', async () => {
    await assert.rejects(plan({ KIOT_STACK_WITHOUT: 'live-consol' }), /KIOT_STACK_WITHOUT names no function: live-consol \(functions: converter, http-ingest, influx-writer, live-console, validator\)/);
  });

  it('profiles a function as npm start runs it: node directly, with the start script\'s own env and its defaulting', async () => {
    const { directStart } = await import('../scripts/stack/plan.mjs');
    const folder = join(__dirname, '../functions/http-ingest');
    const direct = directStart(folder, ['--cpu-prof'], {});
    assert.equal(direct.command, process.execPath);
    assert.deepEqual(direct.args, ['--cpu-prof', './build/start.js']);
    assert.deepEqual(direct.env, { MALLOC_MMAP_THRESHOLD_: '131072' });
    // As in sh's ${NAME:-default}: an operator's own value wins.
    assert.deepEqual(directStart(folder, [], { MALLOC_MMAP_THRESHOLD_: '65536' }).env, { MALLOC_MMAP_THRESHOLD_: '65536' });
    const dir = mkdtempSync(join(tmpdir(), 'kiot-plan-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { start: 'A=1 B=${B:-2} node x.js' } }));
    assert.deepEqual(directStart(dir, [], { B: '' }).env, { A: '1', B: '2' });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { start: 'tsx x.ts' } }));
    assert.throws(() => directStart(dir, []), /its start script does not run node/);
  });
});
