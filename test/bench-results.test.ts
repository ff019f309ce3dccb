/** What a benchmark run writes over the last one (bench/results.mjs): a run that could not measure never erases a measurement. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Results } from '../bench/results.mjs';

const ROOT = join(__dirname, '..');
const load = () => import('../bench/results.mjs');
const env = (date: string) => ({ date, cpu: 'test cpu', cores: 2, node: 'v22' });
const measured = (figure: number) => ({ figures: { figure }, table: ['| a | b |', '|---|---|', `| x | ${figure} |`], notes: [`figure ${figure}`] });

describe('bench results across runs', () => {
  const previous: Results = { environment: env('2026-11-01T00:00:00.000Z'), mode: 'full', scenarios: { mqtt: measured(1), 'kafka-direct': measured(2) } };

  it('--only: the scenarios not run keep their figures and say when they were measured', async () => {
    const { markdown, mergeResults } = await load();
    const out = mergeResults(previous, { environment: env('2026-11-02T00:00:00.000Z'), mode: 'full', scenarios: { 'kafka-direct': measured(3) } }, true);
    assert.deepEqual(Object.keys(out.scenarios), ['mqtt', 'kafka-direct']);
    assert.deepEqual(out.scenarios['kafka-direct'], measured(3));
    assert.equal(out.scenarios['mqtt']!.measuredAt, '2026-11-01T00:00:00.000Z');
    assert.match(markdown(out), /## mqtt\n\nMeasured 2026-11-01T00:00:00.000Z, in an earlier run/);
  });

  it('a scenario that fails keeps its last figures, marked with the failure and their date', async () => {
    const { markdown, mergeResults } = await load();
    const out = mergeResults(previous, { environment: env('2026-11-02T00:00:00.000Z'), mode: 'full', scenarios: { mqtt: measured(5), 'kafka-direct': { error: 'VictoriaMetrics is not running' } } }, false);
    const kd = out.scenarios['kafka-direct']!;
    assert.deepEqual([kd.figures, kd.failedNow, kd.measuredAt], [{ figure: 2 }, 'VictoriaMetrics is not running', '2026-11-01T00:00:00.000Z']);
    const md = markdown(out);
    assert.match(md, /## kafka-direct\n\nThis run failed here \(VictoriaMetrics is not running\): the figures are those measured 2026-11-01T00:00:00.000Z\.\n\n\| a \| b \|/);
    assert.match(md, /\| x \| 5 \|/);
  });

  it('a scenario that fails with nothing measured before is written as failed; a full run drops nothing it ran', async () => {
    const { markdown, mergeResults } = await load();
    const out = mergeResults(undefined, { environment: env('2026-11-02T00:00:00.000Z'), mode: 'full', scenarios: { mqtt: { error: 'boom' } } }, false);
    assert.match(markdown(out), /## mqtt\n\nfailed: boom\n/);
    const twice = mergeResults({ ...previous, scenarios: { mqtt: { error: 'old' } } }, { environment: env('2026-11-03T00:00:00.000Z'), mode: 'full', scenarios: { mqtt: { error: 'new' } } }, false);
    assert.deepEqual(twice.scenarios['mqtt'], { error: 'new' });
  });

  it('npm run bench -- --only with an unknown scenario is a usage error that writes nothing', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/run.mjs'), '--only', 'kafka-direct,nosuch', '--out', '/nonexistent/kiot-bench'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /no scenario nosuch; the scenarios are per-function, cold-start, end-to-end, mqtt, kafka-direct/);
  });
});
