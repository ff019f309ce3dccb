#!/usr/bin/env node
// `npm run bench [-- --smoke] [-- --only NAME,…]`: measures kiot on this machine. Every figure is the
// median of several runs with min and max, beside a ceiling measured in the same run. Results go to
// bench/results/latest.{json,md}. Benchmarks never fail the test suite; --smoke only proves they run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { perFunction } from './scenarios/per-function.mjs';
import { coldStart } from './scenarios/cold-start.mjs';
import { endToEnd } from './scenarios/end-to-end.mjs';
import { mqttScenario } from './scenarios/mqtt.mjs';
import { kafkaDirect } from './scenarios/kafka-direct.mjs';
import { environment, root } from './lib.mjs';
import { runTmpdir } from '../scripts/run-tmpdir.mjs';

if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`kiot runs on Node.js 22; this is ${process.version}. Run the benchmarks through \`npm run bench\`, which uses the Node 22 that npm install brought.`);
  process.exit(2);
}
const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' } } });
const smoke = values.smoke || process.env.BENCH_SMOKE === '1';
const settings = smoke ? { runs: 1, duration: 1, events: 500, connections: 16 } : { runs: 3, duration: 8, events: 10_000, connections: 32 };
const scenarios = { 'per-function': perFunction, 'cold-start': coldStart, 'end-to-end': endToEnd, mqtt: mqttScenario, 'kafka-direct': kafkaDirect };
const chosen = values.only ? values.only.split(',') : Object.keys(scenarios);

runTmpdir('kiot-bench-run-');
const results = { environment: environment(), mode: smoke ? 'smoke' : 'full', settings, scenarios: {} };
for (const name of chosen) {
  process.stdout.write(`\n== ${name}\n`);
  try {
    results.scenarios[name] = await scenarios[name](settings, (line) => process.stdout.write(`   ${line}\n`));
  } catch (err) {
    results.scenarios[name] = { error: err.message };
    process.stdout.write(`   failed: ${err.message}\n`);
  }
}

const dir = values.out ?? join(root, 'bench/results');
mkdirSync(dir, { recursive: true });
const base = smoke ? 'smoke' : 'latest';
// --only re-measures some scenarios: the others keep the figures of the last run of the same mode.
if (values.only && existsSync(join(dir, `${base}.json`))) {
  const previous = JSON.parse(readFileSync(join(dir, `${base}.json`), 'utf8'));
  // Each kept scenario says when it was measured (its run's date): the heading's date is this run's.
  const kept = Object.fromEntries(Object.entries(previous.scenarios).map(([name, sc]) => [name, { ...sc, measuredAt: sc.measuredAt ?? previous.environment.date }]));
  results.scenarios = { ...kept, ...results.scenarios };
}
writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, `${base}.md`), markdown(results));
process.stdout.write(`\nwrote ${join(dir, `${base}.json`)} and ${base}.md\n`);
process.exit(Object.values(results.scenarios).some((s) => s.error) ? 1 : 0);

function markdown(r) {
  const e = r.environment;
  const lines = [`# kiot benchmark results (${r.mode})`, '', `${e.date} · ${e.cpu} · ${e.cores} cores · Node ${e.node}`, '', 'Each figure: median of the runs [min–max]. Ratios are against a ceiling measured in the same run.', ''];
  for (const [name, s] of Object.entries(r.scenarios)) {
    lines.push(`## ${name}`, '');
    if (s.measuredAt !== undefined) lines.push(`Measured ${s.measuredAt}, in an earlier run (\`--only\` re-measured the others).`, '');
    if (s.error) { lines.push(`failed: ${s.error}`, ''); continue; }
    lines.push(...s.table, '');
    if (s.notes?.length) lines.push(...s.notes.map((n) => `- ${n}`), '');
  }
  return `${lines.join('\n')}\n`;
}
