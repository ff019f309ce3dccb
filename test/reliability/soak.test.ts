/** 5. The soak script itself, as a short smoke run (the 10-minute run is `npm run soak`, outside CI). */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needVictoriaMetrics } from '../support/services';

const ROOT = join(__dirname, '../..');

describe('reliability 5: the soak script (smoke run)', function () {
  this.timeout(120_000);
  before(async function () { await needVictoriaMetrics(this); });

  it('holds the load, samples every process and reports memory trend and event-loop lag', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kiot-soak-test-')), 'soak.md');
    // A smoke run is all warm-up, so no slope can mean anything: the limit is lifted.
    const child = spawn(process.execPath, [join(ROOT, 'scripts/soak.mjs'), '--seconds', '12', '--sample-seconds', '3', '--rate', '40', '--max-slope', '1000000', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, log);
    const md = readFileSync(out, 'utf8');
    const sent = Number(/Readings: (\d+) sent, (\d+) acked, (\d+) refused/.exec(md)?.[1]);
    const [, , acked, refused] = /Readings: (\d+) sent, (\d+) acked, (\d+) refused/.exec(md)!;
    assert.ok(sent > 300, md);
    assert.equal(Number(acked), sent, 'every reading acked');
    assert.equal(Number(refused), 0);
    for (const p of ['broker', 'http-ingest', 'converter', 'validator', 'influx-writer', 'live-console', 'mqtt-endpoint']) assert.match(md, new RegExp(`^\\| ${p} \\| \\d+ MB`, 'm'), `${p} sampled`);
    assert.match(md, /^\| converter \|.*\| \d+\.\d ms \|/m, 'event-loop lag read from the function\'s /metrics');
  });
});
