#!/usr/bin/env node
// scripts/deploy --registry REGISTRY [--namespace kiot] [--overlay kafka|light] [--dry-run]
// Builds every function (esbuild bundles into each folder, which is all `func build` sees), runs
// `func deploy` in each function folder, then applies the chosen eventing overlay with kubectl.
// --dry-run prints every command and the rendered manifests, and runs nothing but the render.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function plan({ registry, namespace = 'kiot', overlay = 'kafka' }) {
  const problems = [];
  if (!registry) problems.push('--registry is required (for example ghcr.io/you)');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) problems.push(`--namespace ${JSON.stringify(namespace)} is not a Kubernetes name`);
  const overlays = readdirSync(join(root, 'eventing/overlays'));
  if (!overlays.includes(overlay)) problems.push(`--overlay must be one of ${overlays.join(', ')}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const functions = readdirSync(join(root, 'functions')).filter((n) => existsSync(join(root, 'functions', n, 'func.yaml'))).sort();
  const overlayDir = relative(root, join(root, 'eventing/overlays', overlay));
  return [
    { cmd: 'npm', args: ['run', 'build'], cwd: '.' },
    ...functions.map((name) => ({ cmd: 'func', args: ['deploy', '--path', `functions/${name}`, '--registry', registry, '--namespace', namespace, '--build', 'true'], cwd: '.' })),
    { cmd: 'kubectl', args: ['apply', '--namespace', namespace, '-k', overlayDir], cwd: '.' },
  ];
}

export function render(overlay = 'kafka') {
  return execFileSync('kubectl', ['kustomize', join(root, 'eventing/overlays', overlay)], { encoding: 'utf8' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { registry: { type: 'string' }, namespace: { type: 'string', default: 'kiot' }, overlay: { type: 'string', default: 'kafka' }, 'dry-run': { type: 'boolean', default: false } } });
  let steps;
  try {
    steps = plan(values);
  } catch (err) {
    console.error(`${err.message}\nusage: scripts/deploy --registry REGISTRY [--namespace kiot] [--overlay kafka|light] [--dry-run]`);
    process.exit(2);
  }
  for (const s of steps) {
    console.log(`$ ${[s.cmd, ...s.args].join(' ')}`);
    if (values['dry-run']) continue;
    const r = spawnSync(s.cmd, s.args, { cwd: join(root, s.cwd), stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`${s.cmd} failed (exit ${r.status ?? r.error?.message}); stopping`);
      process.exit(1);
    }
  }
  if (values['dry-run']) {
    console.log(`--- rendered manifests: eventing/overlays/${values.overlay} ---`);
    process.stdout.write(render(values.overlay));
  }
}
