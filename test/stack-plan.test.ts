/** The local stack's plan (scripts/stack/plan.mjs): which processes `npm start` runs, from env alone. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

  it('knows every port each process listens on and the variable that moves it, and refuses one port given twice', async () => {
    const p = await plan({ INFLUX_URL: 'http://127.0.0.1:8428', CONVERTER_PORT: '9001' });
    const listens = Object.fromEntries(p.processes.flatMap((x) => x.listens.map((l) => [l.variable, l.port])));
    assert.deepEqual(listens, { BROKER_PORT: 8081, CONVERTER_PORT: 9001, HTTP_INGEST_PORT: 8080, INFLUX_WRITER_PORT: 8091, CONSOLE_PORT: 8088, VALIDATOR_PORT: 8092, MQTT_PORT: 1883, MQTT_METRICS_PORT: 9464 });
    await assert.rejects(plan({ CONSOLE_PORT: '8080' }), /CONSOLE_PORT and HTTP_INGEST_PORT are both 8080|HTTP_INGEST_PORT and CONSOLE_PORT are both 8080/);
  });

  it('does not start when a port is taken: names each one and the variable to change, and exits 1', async function () {
    this.timeout(20_000);
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as { port: number }).port;
    let child: ReturnType<typeof spawn> | undefined;
    try {
      child = spawn(process.execPath, [join(__dirname, '../scripts/stack/start.mjs')], { env: { ...process.env, HTTP_INGEST_PORT: String(taken), KIOT_VAR_DIR: mkdtempSync(join(tmpdir(), 'kiot-ports-')) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((r) => child!.on('exit', r));
      assert.equal(code, 1, out);
      assert.match(out, new RegExp(`port ${taken} \\(http-ingest\\) is in use: stop what listens there, or set HTTP_INGEST_PORT to another port`));
      assert.doesNotMatch(out, /started/, 'nothing was started');
    } finally {
      if (child?.exitCode === null) child.kill('SIGINT');
      holder.close();
    }
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
