#!/usr/bin/env node
// `npm test`: type-check, lint, then every mocha suite (unit, in-runtime, real services).
// Real-service suites need the services scripts/services/start brings up; without them they
// skip with one line saying what to install, except under CI (CI=true), where that fails.
import { spawn, spawnSync } from 'node:child_process';
import { globSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPECS } from './test-specs.mjs';
import { runTmpdir } from './run-tmpdir.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const args = process.argv.slice(2);

function run(title, cmd, cmdArgs) {
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    process.stdout.write(`\n${title} failed\n`);
    process.exit(r.status ?? 1);
  }
}

process.stdout.write(`node ${process.version} (${process.execPath})\n`);
if (Number(process.versions.node.split('.')[0]) < 22) {
  process.stdout.write('kiot needs Node.js 22 or newer; `npm install` brings it (the node devDependency): run tests through `npm test`\n');
  process.exit(1);
}
if (args.length === 0) {
  run('type-check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  run('lint', bin('eslint'), ['--max-warnings', '0', '.']);
}
const specs = args.length > 0 ? args : SPECS;
runTmpdir('kiot-test-');
// The suites that talk to Kafka run twice: against Kafka 3.9 and against Kafka 4 (scripts/services/start runs
// both), which removed protocol versions older clients spoke. They are the files that use test/support/kafka.ts.
const kafka4 = Number(process.env.KIOT_KAFKA4_PORT ?? 29092);
const KAFKA4 = { KIOT_KAFKA_BROKERS: `127.0.0.1:${kafka4}`, KIOT_KAFKA_SASL_SSL: `127.0.0.1:${kafka4 + 2}`, KIOT_KAFKA_MTLS: `127.0.0.1:${kafka4 + 3}` };
const kafkaSpecs = () => specs.flatMap((g) => globSync(g, { cwd: root })).filter((f) => /from '[^']*\/support\/kafka'/.test(readFileSync(join(root, f), 'utf8')));

// mocha's own summary is passed through; the plain closing line below is what CI reads.
const counts = { passing: 0, failing: 0, pending: 0 };
function mocha(title, files, env) {
  process.stdout.write(`\n== ${title}\n`);
  const child = spawn(bin('mocha'), files, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  // mocha's summary lines come before the failure details, which can be long: catch them as they pass.
  let partial = '';
  child.stdout.on('data', (d) => {
    process.stdout.write(d);
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\s+(\d+) (passing|failing|pending)\b/.exec(line);
      if (m) counts[m[2]] += Number(m[1]);
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

let code = await mocha('tests', specs, process.env);
if (args.length === 0) code = Math.max(code, await mocha('the Kafka suites again, against Kafka 4', kafkaSpecs(), { ...process.env, ...KAFKA4 }));
process.stdout.write(`\ntests: ${counts.passing} passed, ${counts.failing} failed, ${counts.pending} skipped\n`);
process.exit(code);
