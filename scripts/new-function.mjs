#!/usr/bin/env node
// Scaffolds a working function folder from templates/: `npm run new-function -- NAME [options]`.
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function renderFuncYaml({ name, invoke = 'cloudevent', minScale = 0, maxScale = 5, created = new Date().toISOString().replace(/\.\d+Z$/, 'Z') }) {
  return readFileSync(join(root, 'templates/func.yaml'), 'utf8')
    .replaceAll('__NAME__', name)
    .replaceAll('__INVOKE__', invoke)
    .replaceAll('__MIN_SCALE__', String(minScale))
    .replaceAll('__MAX_SCALE__', String(maxScale))
    .replaceAll('__CREATED__', created);
}

function substitute(dir, vars) {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) substitute(p, vars);
    else {
      let text = readFileSync(p, 'utf8');
      for (const [k, v] of Object.entries(vars)) text = text.replaceAll(k, v);
      writeFileSync(p, text);
    }
  }
}

export function newFunction(name, { invoke, minScale, maxScale, description, lock = true } = {}) {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`function name must be lowercase letters, digits and dashes: ${JSON.stringify(name)}`);
  const dest = join(root, 'functions', name);
  if (existsSync(dest)) throw new Error(`functions/${name} already exists`);
  cpSync(join(root, 'templates/function'), dest, { recursive: true });
  substitute(dest, { __NAME__: name, __DESCRIPTION__: description ?? `A kiot pipeline step (scaffolded by scripts/new-function).` });
  writeFileSync(join(dest, 'func.yaml'), renderFuncYaml({ name, invoke, minScale, maxScale }));
  // func build installs from the folder alone: give it its own lockfile.
  if (lock) execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dest, stdio: 'ignore' });
  return dest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { invoke: { type: 'string', default: 'cloudevent' }, min: { type: 'string', default: '0' }, max: { type: 'string', default: '5' }, description: { type: 'string' }, 'no-lock': { type: 'boolean', default: false } },
  });
  const name = positionals[0];
  if (!name) {
    console.error('usage: scripts/new-function NAME [--invoke cloudevent|http] [--min N] [--max N] [--description TEXT] [--no-lock]');
    process.exit(2);
  }
  try {
    const dest = newFunction(name, { invoke: values.invoke, minScale: Number(values.min), maxScale: Number(values.max), description: values.description, lock: !values['no-lock'] });
    console.log(`created ${dest}\nnext: npm run build, then add a Trigger for it in eventing/ (see docs/operators.md)`);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
