/**
 * Offline validation of eventing/: every manifest against the real Knative CRD schemas, plus the
 * rules the Knative webhooks enforce and the schemas do not, plus kiot's own wiring rules.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { loadAll } from 'js-yaml';
import { TYPE_CONTRACTS } from '@kiot/core';
import { loadDocuments, parseWiring, yamlFiles } from '../broker/src/manifests';
import { reference } from './support/reference';
import { CLUSTER_STAND_INS } from './support/folders';
import { parseConfig as parseMqttConfig } from '../endpoints/mqtt/src/config';
import { parseConsumerConfig } from '../functions/influx-writer/src/kafka/config';

const ROOT = join(__dirname, '..');
const REFERENCE = reference('knative');
type Doc = Record<string, unknown> & { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> };

function crdValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const k of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-map-type', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-embedded-resource', 'x-kubernetes-validations']) ajv.addKeyword(k);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  const out = new Map<string, ValidateFunction>();
  for (const dir of readdirSync(REFERENCE)) {
    if (!existsSync(join(REFERENCE, dir)) || dir.endsWith('.txt')) continue;
    for (const f of readdirSync(join(REFERENCE, dir)).filter((x) => x.endsWith('.yaml'))) {
      for (const d of loadAll(readFileSync(join(REFERENCE, dir, f), 'utf8')) as Doc[]) {
        if (d?.kind !== 'CustomResourceDefinition') continue;
        const spec = d.spec as { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: object } }[] };
        for (const v of spec.versions) if (v.schema) out.set(`${spec.group}/${v.name}/${spec.names.kind}`, ajv.compile(v.schema.openAPIV3Schema));
      }
    }
  }
  return out;
}

const CORE_KINDS = new Set(['v1/ConfigMap', 'v1/Service', 'v1/Secret', 'apps/v1/Deployment']);
const docs = loadDocuments(yamlFiles(join(ROOT, 'eventing/base'))) as Doc[];
/** The overlays as kustomize renders them (kubectl ships kustomize); base alone when kubectl is missing. */
function renderedOverlays(): { overlay: string; docs: Doc[] }[] {
  return readdirSync(join(ROOT, 'eventing/overlays')).flatMap((overlay) => {
    const r = spawnSync('kubectl', ['kustomize', join(ROOT, 'eventing/overlays', overlay)], { encoding: 'utf8' });
    return r.status === 0 ? [{ overlay, docs: (loadAll(r.stdout) as Doc[]).filter(Boolean) }] : [];
  });
}
const functions = readdirSync(join(ROOT, 'functions')).filter((n) => existsSync(join(ROOT, 'functions', n, 'func.yaml')));

describe('eventing/ offline validation', () => {
  const validators = crdValidators();

  it('has the CRD schemas of Broker, Trigger, SinkBinding, KafkaSink and EventType to validate against', () => {
    for (const k of ['eventing.knative.dev/v1/Broker', 'eventing.knative.dev/v1/Trigger', 'sources.knative.dev/v1/SinkBinding', 'eventing.knative.dev/v1alpha1/KafkaSink']) assert.ok(validators.has(k), k);
  });

  for (const d of docs) {
    it(`${d.kind} ${d.metadata.name} is valid for its CRD`, () => {
      const key = `${d.apiVersion}/${d.kind}`;
      if (CORE_KINDS.has(key)) return;
      const validate = validators.get(key);
      assert.ok(validate, `no CRD schema for ${key}`);
      assert.ok(validate(d), `${d.kind} ${d.metadata.name}: ${JSON.stringify(validate.errors)}`);
    });
  }

  for (const { overlay, docs: rendered } of renderedOverlays()) {
    it(`overlay ${overlay}: every rendered manifest is valid for its CRD and passes the webhook rules`, () => {
      for (const d of rendered) {
        const key = `${d.apiVersion}/${d.kind}`;
        if (CORE_KINDS.has(key)) continue;
        const validate = validators.get(key);
        assert.ok(validate, `no CRD schema for ${key}`);
        assert.ok(validate(d), `${overlay}: ${d.kind} ${d.metadata.name}: ${JSON.stringify(validate.errors)}`);
      }
      parseWiring(rendered, 'kiot');
    });
  }

  it('passes the webhook rules the schemas miss (backoffPolicy, ISO-8601 durations, retry ≥ 0, attribute names, one dialect per filter, known Broker)', () => {
    const wiring = parseWiring(docs, 'kiot');
    assert.ok(wiring.triggers.length > 0);
  });

  it('refuses what the webhooks would refuse (the checks can fail)', () => {
    const broker = { kind: 'Broker', metadata: { name: 'kiot', namespace: 'kiot' } };
    const trigger = (spec: object) => ({ kind: 'Trigger', metadata: { name: 't', namespace: 'kiot' }, spec: { broker: 'kiot', subscriber: { uri: 'http://x' }, ...spec } });
    assert.throws(() => parseWiring([broker, trigger({ delivery: { backoffPolicy: 'fibonacci' } })]), /linear or exponential/);
    assert.throws(() => parseWiring([broker, trigger({ delivery: { timeout: '10s' } })]), /ISO-8601/);
    assert.throws(() => parseWiring([broker, trigger({ filters: [{ exact: { Type: 'x' } }] })]), /must match/);
    assert.throws(() => parseWiring([broker, trigger({ broker: 'other' })]), /no Broker/);
  });

  it('gives the Broker the Kafka class and a config, with retry, backoff, timeout and a dead-letter sink', () => {
    const b = docs.find((d) => d.kind === 'Broker')!;
    assert.equal(b.metadata.annotations?.['eventing.knative.dev/broker.class'], 'Kafka');
    const spec = b.spec as { config: { kind: string; name: string }; delivery: Record<string, unknown> };
    assert.ok(docs.some((d) => d.kind === spec.config.kind && d.metadata.name === spec.config.name), 'the broker config ConfigMap is in the repo');
    for (const k of ['retry', 'backoffPolicy', 'backoffDelay', 'timeout', 'deadLetterSink']) assert.ok(spec.delivery[k] !== undefined, k);
  });

  it('starts another entry point of a function\'s buildpack image through the CNB launcher, at a file the build makes', () => {
    type Container = { image: string; command?: string[]; args?: string[] };
    const containers = docs.filter((d) => d.kind === 'Deployment').flatMap((d) => (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers);
    const fromFunctions = containers.filter((c) => functions.some((f) => c.image.includes(`/${f}:`)) && c.command !== undefined);
    assert.ok(fromFunctions.length > 0, 'the Kafka-direct writer runs the influx-writer image with its own entry point');
    for (const c of fromFunctions) {
      // node is in a buildpack layer, on PATH only in the launcher's environment.
      assert.deepEqual(c.command, ['/cnb/lifecycle/launcher'], c.image);
      const fn = functions.find((f) => c.image.includes(`/${f}:`))!;
      const entry = c.args?.find((a) => a.endsWith('.js'));
      assert.ok(entry !== undefined && existsSync(join(ROOT, 'functions', fn, entry)), `${c.image}: ${String(c.args)} names no built file of functions/${fn}`);
    }
  });

  it('runs a Dockerfile-built image that must be non-root as a numeric user, which the kubelet can check', () => {
    type Container = { image: string; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number } };
    const nonRoot = docs.filter((d) => d.kind === 'Deployment').flatMap((d) => (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers)
      .filter((c) => c.securityContext?.runAsNonRoot === true && c.securityContext.runAsUser === undefined);
    const dockerfiles = nonRoot.map((c) => /\/([a-z-]+):/.exec(c.image)![1]!).filter((n) => n.endsWith('-endpoint')).map((n) => join(ROOT, 'endpoints', n.replace(/-endpoint$/, ''), 'Dockerfile'));
    assert.ok(dockerfiles.length > 0 && dockerfiles.every((f) => existsSync(f)), String(dockerfiles));
    for (const f of dockerfiles) {
      const user = [...readFileSync(f, 'utf8').matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
      assert.match(user ?? '', /^[1-9]\d*(:\d+)?$/, `${f}: USER ${String(user)} (runAsNonRoot needs a number other than 0)`);
    }
  });

  it('configures each Deployment\'s process with settings it starts with (values from Secrets and the SinkBinding\'s K_SINK stood in for)', () => {
    type EnvVar = { name: string; value?: string; valueFrom?: unknown };
    type Container = { image: string; env?: EnvVar[] };
    const stand = CLUSTER_STAND_INS;
    const emptyDir = mkdtempSync(join(tmpdir(), 'kiot-auth-'));
    const parsers: Record<string, (env: Record<string, string>) => unknown> = {
      'mqtt-endpoint': (env) => parseMqttConfig({ K_SINK: stand['K_SINK']!, ...env }),
      // The Kafka auth Secret is optional: without it the mount is an empty directory.
      'influx-writer': (env) => parseConsumerConfig({ ...env, ...(env['KAFKA_AUTH_DIR'] !== undefined ? { KAFKA_AUTH_DIR: emptyDir } : {}) }),
    };
    try {
      const containers = docs.filter((d) => d.kind === 'Deployment').flatMap((d) => (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers);
      const checked = containers.filter((c) => Object.keys(parsers).some((n) => c.image.includes(`/${n}:`)));
      assert.equal(checked.length, 2, containers.map((c) => c.image).join(', '));
      for (const c of checked) {
        const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? stand[e.name] ?? assert.fail(`${c.image}: ${e.name} comes from elsewhere and has no stand-in`)]));
        const parse = parsers[Object.keys(parsers).find((n) => c.image.includes(`/${n}:`))!]!;
        assert.doesNotThrow(() => parse(env), c.image);
      }
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('points every subscriber and sink reference at something this repository defines', () => {
    for (const d of docs.filter((x) => x.kind === 'Trigger' || x.kind === 'Broker' || x.kind === 'SinkBinding')) {
      const refs: { kind: string; name: string }[] = [];
      const spec = d.spec as Record<string, { ref?: { kind: string; name: string }; deadLetterSink?: { ref?: { kind: string; name: string } } } | undefined>;
      if (spec['subscriber']?.ref) refs.push(spec['subscriber'].ref);
      if (spec['sink']?.ref) refs.push(spec['sink'].ref);
      if (spec['delivery']?.deadLetterSink?.ref) refs.push(spec['delivery'].deadLetterSink.ref);
      for (const r of refs) {
        const known = r.kind === 'Service' ? functions.includes(r.name) : docs.some((x) => x.kind === r.kind && x.metadata.name === r.name);
        assert.ok(known, `${d.kind} ${d.metadata.name} → ${r.kind} ${r.name} is not in this repository`);
      }
    }
  });

  it('wires one Trigger per step, on the types the contract says, and no step subscribes to a type it emits', () => {
    const triggers = docs.filter((d) => d.kind === 'Trigger').map((d) => {
      const spec = d.spec as { filters: { exact?: { type?: string }; prefix?: { type?: string } }[]; subscriber: { ref: { name: string } } };
      const exact = spec.filters.find((f) => f.exact?.type)?.exact?.type;
      const prefix = spec.filters.find((f) => f.prefix?.type)?.prefix?.type;
      return { name: spec.subscriber.ref.name, matches: (type: string) => type === exact || (prefix !== undefined && type.startsWith(prefix)) };
    });
    for (const c of TYPE_CONTRACTS) {
      for (const consumer of c.consumers.filter((x) => functions.includes(x) || x === 'rejects')) {
        const t = triggers.find((x) => (x.name === consumer || (consumer === 'rejects' && x.name === 'kiot-rejects')) && x.matches(c.type));
        assert.ok(t, `no Trigger delivers ${c.type} to ${consumer}`);
      }
      const producers = c.producer.split(', ');
      for (const t of triggers.filter((x) => x.matches(c.type))) assert.ok(!producers.includes(t.name), `${t.name} subscribes to ${c.type}, which it emits: a loop`);
    }
  });
});
