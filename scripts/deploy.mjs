#!/usr/bin/env node
// scripts/deploy --registry REGISTRY [--namespace kiot] [--overlay kafka|light] [--dry-run]
// Builds every function (esbuild bundles into each folder, which is all `func build` sees), runs
// `func deploy` in each function folder, builds and pushes the MQTT endpoint's image, then applies
// the chosen eventing overlay with kubectl, moved into the namespace and onto the registry's images.
// --dry-run prints every command and the rendered manifests, and runs nothing but the render.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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
  const mqttImage = `${registry}/mqtt-endpoint:latest`;
  return [
    { cmd: 'npm', args: ['run', 'build'], cwd: '.' },
    ...functions.map((name) => ({ cmd: 'func', args: ['deploy', '--path', `functions/${name}`, '--registry', registry, '--namespace', namespace, '--build', 'true'], cwd: '.' })),
    { cmd: 'docker', args: ['build', '--tag', mqttImage, 'endpoints/mqtt'], cwd: '.' },
    { cmd: 'docker', args: ['push', mqttImage], cwd: '.' },
    { cmd: 'kubectl', args: ['apply', '-k', relative(root, deployDir({ namespace, overlay }))], cwd: '.' },
  ];
}

const deployDir = ({ namespace, overlay }) => join(root, 'var/deploy', `${overlay}-${namespace}`);

/**
 * The kustomization that deploys an overlay: every object in the namespace, the Deployments on the
 * images this registry holds (func pushes REGISTRY/NAME; the manifests name ghcr.io/kiot/NAME), and
 * the Kafka-direct writer reading the topic the Kafka broker makes for this namespace's Broker.
 */
export function deployKustomization({ registry, namespace, overlay }) {
  return `# Written by scripts/deploy: eventing/overlays/${overlay} in namespace ${namespace}, images from ${registry}.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${namespace}
resources:
  - ../../../eventing/overlays/${overlay}
images:
  - { name: ghcr.io/kiot/influx-writer, newName: ${registry}/influx-writer }
  - { name: ghcr.io/kiot/mqtt-endpoint, newName: ${registry}/mqtt-endpoint }
patches:
  # The Kafka broker's topic is knative-broker-<namespace>-<broker>. No match (the light overlay has no consumer): no change.
  - target: { kind: Deployment, name: influx-writer-consumer }
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: influx-writer-consumer }
      spec:
        template:
          spec:
            containers:
              - name: consumer
                env:
                  - { name: KAFKA_TOPICS, value: knative-broker-${namespace}-kiot }
`;
}

/** Writes the deploy kustomization and renders it as kubectl would apply it. */
export function render(options) {
  const dir = deployDir(options);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kustomization.yaml'), deployKustomization(options));
  return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
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
  // Written first: the last step applies it, and --dry-run shows what it renders to.
  const manifests = render(values);
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
    process.stdout.write(manifests);
  }
}
