import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Climate, simulate } from '../src/simulate';
import * as ingest from '../../../functions/http-ingest/src/index';
import { setEnv } from '../../../test/support/env';

// Restored after each suite: later suites start child processes that inherit process.env.
const restoreEnv: (() => void)[] = [];
import { startFunction, type Running } from '../../../test/support/runtime';
import { startSink, type TestSink } from '../../../test/support/sink';

const ROOT = join(__dirname, '../../..');

describe('kiot simulate', function () {
  after(() => restoreEnv.splice(0).reverse().forEach((r) => r()));
  this.timeout(30_000);

  it('walks temperature and humidity slowly within plausible bounds', () => {
    const c = new Climate();
    let prev = c.next();
    for (let i = 0; i < 1000; i++) {
      const r = c.next();
      assert.ok(r.temperature >= 5 && r.temperature <= 35 && r.humidity >= 10 && r.humidity <= 95);
      assert.ok(Math.abs(r.temperature - prev.temperature) <= 0.21);
      prev = r;
    }
  });

  it('stops by itself after a count or a duration, and refuses to run forever', async () => {
    let n = 0;
    const r = await simulate({ url: 'x', devices: 3, rate: 500, count: 50, user: 'g@a', password: 'p', channel: 'c', concurrency: 8, progress: () => undefined, send: async () => (++n % 10 === 0 ? 503 : 202) });
    assert.deepEqual([r.sent, r.acked, r.failed], [50, 45, 5]);
    const t = await simulate({ url: 'x', devices: 2, rate: 20, durationS: 0.5, user: 'g@a', password: 'p', channel: 'c', concurrency: 8, progress: () => undefined, send: async () => 202 });
    assert.ok(t.sent >= 8 && t.sent <= 12, `about 10 readings in 0.5 s at 20/s, got ${t.sent}`);
    await assert.rejects(simulate({ url: 'x', devices: 1, rate: 1, user: 'g@a', password: 'p', channel: 'c', concurrency: 1, progress: () => undefined }), /stops by itself/);
  });

  describe('against the real http-ingest', () => {
    let sink: TestSink;
    let running: Running;
    before(async () => {
      sink = await startSink();
      restoreEnv.push(setEnv({ K_SINK: sink.url, INGEST_REGISTRY_FILE: join(ROOT, 'scripts/stack/demo-registry.yaml'), INGEST_RATE_PER_SECOND: '1000', INGEST_RATE_BURST: '1000' }));
      running = await startFunction(ingest);
    });
    after(async () => { await running.close(); await sink.close(); });

    it('sends as registered demo devices through the gateway, every reading acked and forwarded', async () => {
      // Asynchronous: the function under test runs in this process and must keep answering.
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'packages/cli/build/kiot.js'), 'simulate', '--devices', '4', '--rate', '200', '--count', '40', '--url', running.url]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(r.stdout) as { sent: number; acked: number; failed: number };
      assert.deepEqual([result.sent, result.acked, result.failed], [40, 40, 0]);
      assert.match(r.stderr, /sent 40 acked 40 failed 0 rate \d+\/s/);
      assert.equal(sink.received.length, 40);
      const devices = new Set(sink.received.map((x) => x.headers['ce-device']));
      assert.deepEqual([...devices].sort(), ['sim-1', 'sim-2', 'sim-3', 'sim-4']);
      assert.equal(sink.received[0]!.headers['ce-sender'], 'gateway1');
      const body = JSON.parse(sink.received[0]!.body.toString()) as { temperature: number; humidity: number };
      assert.equal(typeof body.temperature, 'number');
      assert.equal(typeof body.humidity, 'number');
    });
  });
});
