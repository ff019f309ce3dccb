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
import { markdown, mergeResults } from './results.mjs';
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
const unknown = chosen.filter((name) => !(name in scenarios));
if (unknown.length > 0) {
  console.error(`no scenario ${unknown.join(', ')}; the scenarios are ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}

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
const previousPath = join(dir, `${base}.json`);
const written = mergeResults(existsSync(previousPath) ? JSON.parse(readFileSync(previousPath, 'utf8')) : undefined, results, values.only !== undefined);
writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(written, null, 2)}\n`);
writeFileSync(join(dir, `${base}.md`), markdown(written));
process.stdout.write(`\nwrote ${join(dir, `${base}.json`)} and ${base}.md\n`);
process.exit(Object.values(results.scenarios).some((s) => s.error) ? 1 : 0);
