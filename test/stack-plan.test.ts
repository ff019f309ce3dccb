/** The local stack's plan (scripts/stack/plan.mjs): which processes `npm start` runs, from env alone. */
import { strict as assert } from 'node:assert';
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
});
