/** The benchmark harness still runs (smoke mode: one short run per figure). Figures are not judged here. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needVictoriaMetrics } from './support/services';

const ROOT = join(__dirname, '..');

describe('npm run bench -- --smoke', function () {
  this.timeout(300_000);
  before(async function () { await needVictoriaMetrics(this); });

  it('measures every scenario beside its ceiling and writes JSON and markdown results', () => {
    const out = mkdtempSync(join(tmpdir(), 'kiot-bench-'));
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/run.mjs'), '--smoke', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const results = JSON.parse(readFileSync(join(out, 'smoke.json'), 'utf8')) as { environment: { cores: number }; scenarios: Record<string, { figures: Record<string, unknown> }> };
    assert.ok(results.environment.cores >= 1);
    const pf = results.scenarios['per-function']!.figures as Record<string, { rps: { median: number }; ratio: number }>;
    for (const name of ['http-ingest', 'converter', 'validator', 'influx-writer', 'http-ingest, INGEST_SINK_PIPELINING=16']) assert.ok(pf[name]!.rps.median > 0 && pf[name]!.ratio > 0, name);
    // CPU per request in the function's own process (found under npm and sh), for the note on what 0.8 of hello allows.
    const cpu = (pf as unknown as { cpuPerRequestUs?: Record<'hello' | 'forwarding' | 'ingest', { function: number; sink: number }> & { allowance: number } }).cpuPerRequestUs;
    assert.ok(cpu && cpu.allowance > 0, 'CPU per request recorded');
    for (const k of ['hello', 'forwarding', 'ingest'] as const) assert.ok(cpu[k].function > 0 && cpu[k].sink >= 0, `${k}: ${JSON.stringify(cpu[k])}`);
    assert.ok(cpu.forwarding.sink > 0 && cpu.ingest.sink > 0, 'the sink worked for both forwarders');
    const cs = results.scenarios['cold-start']!.figures as Record<string, { coldStartMs: { median: number }; rssMb: number }>;
    for (const [name, f] of Object.entries(cs)) assert.ok(f.coldStartMs.median > 0 && f.rssMb > 0, name);
    const e2e = results.scenarios['end-to-end']!.figures as Record<string, { accepted: number; stored: number; dead: number } | null>;
    const steps = Object.entries(e2e).filter(([k]) => k.includes(' @ '));
    assert.ok(steps.length >= 2, 'an unbatched and a batched step ran');
    for (const [k, f] of steps) assert.ok(f && f.accepted > 0 && f.accepted === f.stored + f.dead, `${k}: nothing lost (${JSON.stringify(f)})`);
    const mq = results.scenarios['mqtt']!.figures as { ratio: number; referenceRatio: number; pipelinedRatio: number; referencePipelinedRatio: number; cpuPerPublishUs: Record<'kiot' | 'reference', { endpoint: number; sink: number }> };
    assert.ok(mq.ratio > 0, 'mqtt: kiot and Mosquitto both measured');
    // The pipelined rows (MQTT_SINK_PIPELINING, as the local stack sets it): both the endpoint and the least hand-off acked.
    assert.ok(mq.pipelinedRatio > 0 && mq.referencePipelinedRatio > 0, `mqtt pipelined: ${mq.pipelinedRatio}, ${mq.referencePipelinedRatio}`);
    // The least MQTT → HTTP hand-off, beside which kiot's own cost per publish is read: it acked, and the sink took its publishes.
    assert.ok(mq.referenceRatio > 0 && mq.cpuPerPublishUs.reference.endpoint > 0 && mq.cpuPerPublishUs.reference.sink > 0, `mqtt reference: ${JSON.stringify(mq.cpuPerPublishUs)}`);
    assert.ok((results.scenarios['kafka-direct']!.figures as { ratio: number }).ratio > 0, 'kafka-direct: both paths measured');
    assert.match(readFileSync(join(out, 'smoke.md'), 'utf8'), /\| http-ingest \|/);
  });
});
