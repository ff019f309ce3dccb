/** What every function folder must satisfy, shared by the folder test and the new-function test. */
import { runtimeOptions } from '../../packages/core/src/runtime-options';
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { CloudEvent, HTTP } from 'cloudevents';
import { JSON_SCHEMA, load } from 'js-yaml';
import type { TestSink } from './sink';
import { needVictoriaMetrics, VM_URL } from './services';
import { reference } from './reference';

const ROOT = join(__dirname, '../..');
const SCHEMA = reference('knative/knative-func/func_yaml-schema.json');
export const functionNames = (): string[] => readdirSync(join(ROOT, 'functions')).filter((n) => existsSync(join(ROOT, 'functions', n, 'func.yaml'))).sort();

/** What each function needs to start alone, and a CloudEvent round trip that proves it works. */
export interface Probe {
  env(sink: TestSink): Record<string, string>;
  needs?: (ctx: Mocha.Context) => Promise<void>;
  check(url: string, sink: TestSink): Promise<void>;
}

const ce = (type: string, data: unknown) => HTTP.binary(new CloudEvent({ type, source: 'kiot://demo/device1', subject: 'temperature', application: 'demo', device: 'device1', datacontenttype: 'application/json', data }));
const post = (url: string, msg: { headers: object; body: unknown }) => fetch(url, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string });
const records = { records: [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 21.5 } }] };

const replies = (inType: string, data: unknown, outType: string) => async (url: string) => {
  const res = await post(url, ce(inType, data));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('ce-type'), outType, 'a reply the broker can read: binary mode with ce-type');
  assert.equal(res.headers.get('ce-device'), 'device1');
};

export const PROBES: Record<string, Probe> = {
  'http-ingest': {
    env: (sink) => ({ K_SINK: sink.url, INGEST_ANONYMOUS: 'true' }),
    check: async (url, sink) => {
      const res = await fetch(`${url}/?channel=temperature`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"temperature":21.5}' });
      assert.equal(res.status, 202);
      assert.equal(sink.received.at(-1)!.headers['ce-type'], 'io.kiot.telemetry.raw.v1');
    },
  },
  converter: { env: () => ({}), check: replies('io.kiot.telemetry.raw.v1', { temperature: 21.5 }, 'io.kiot.telemetry.converted.v1') },
  validator: { env: () => ({}), check: replies('io.kiot.telemetry.converted.v1', records, 'io.kiot.telemetry.validated.v1') },
  'live-console': {
    env: () => ({}),
    check: async (url) => {
      assert.equal((await post(url, ce('io.kiot.telemetry.validated.v1', records))).status, 204);
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /kiot live console/);
    },
  },
  'influx-writer': {
    env: () => ({ INFLUX_URL: VM_URL, INFLUX_BUCKET: 'kiot' }),
    needs: needVictoriaMetrics,
    check: async (url) => {
      const res = await post(url, ce('io.kiot.telemetry.validated.v1', records));
      assert.equal(res.status, 204);
    },
  },
};

/** A function scaffolded by scripts/new-function replies with io.kiot.<name>.v1. */
export const probeFor = (name: string): Probe => PROBES[name] ?? { env: () => ({}), check: replies('io.kiot.telemetry.validated.v1', records, `io.kiot.${name}.v1`) };

/** What a cluster supplies to a deployed process, for the settings that come from it: Secrets' values, and the SinkBinding's K_SINK. */
export const CLUSTER_STAND_INS: Readonly<Record<string, string>> = { K_SINK: 'http://broker-ingress.knative-eventing.svc/kiot/kiot', INFLUX_URL: 'https://influx.example:8086', INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b' };

export function checkFolder(name: string): void {
  const dir = join(ROOT, 'functions', name);
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  const doc = load(readFileSync(join(dir, 'func.yaml'), 'utf8'), { schema: JSON_SCHEMA }) as Record<string, unknown>;
  assert.ok(validate(doc), `${name}/func.yaml: ${ajv.errorsText(validate.errors)}`);
  assert.equal(doc['name'], name);
  assert.equal(doc['specVersion'], '0.36.0');
  assert.equal(doc['runtime'], 'typescript');
  // The runtime settings it deploys with are ones the function's start accepts (core runtime-options.ts).
  const runEnvs = Object.fromEntries(((doc['run'] as { envs?: { name: string; value: string }[] } | undefined)?.envs ?? []).map((e) => [e.name, e.value]));
  assert.doesNotThrow(() => runtimeOptions([], runEnvs, { logLevel: 'warn', port: 8080, includeRaw: false, bodyLimit: 1048576 }), `${name}/func.yaml run.envs`);
  // And its own settings (func's `{{ secret:… }}` values and the SinkBinding's K_SINK stood in for).
  // Loaded as the tests load modules (TypeScript, @kiot/core from source), when the folder is checked.
  const { parseConfig } = createRequire(__filename)(join(dir, 'src/config')) as { parseConfig: (env: Record<string, string>) => unknown };
  const own = Object.fromEntries(Object.entries(runEnvs).map(([k, v]) => [k, /^\{\{ *secret:/.test(v) ? (CLUSTER_STAND_INS[k] ?? assert.fail(`${name}: ${k} comes from a Secret and has no stand-in`)) : v]));
  assert.doesNotThrow(() => parseConfig({ K_SINK: CLUSTER_STAND_INS['K_SINK']!, ...own }), `${name}/func.yaml run.envs`);
  const envs = (doc['build'] as { buildEnvs: { name: string; value: string }[] }).buildEnvs;
  assert.deepEqual(envs.find((e) => e.name === 'BP_NODE_RUN_SCRIPTS'), { name: 'BP_NODE_RUN_SCRIPTS', value: 'build' });
  assert.match(envs.find((e) => e.name === 'BP_NODE_VERSION')?.value ?? '', /^2[2-9]/);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string>; dependencies: Record<string, string> };
  assert.match(pkg.engines.node, />=22/);
  // build/start.js starts faas-js-runtime (build/runtime.js) on build/index.js as its CLI does (preflights answered from cors()).
  // glibc returns large freed blocks (scrypt's 16 MB, zlib's) instead of keeping them: 138 → 100 MB RSS for http-ingest under load.
  assert.match(pkg.scripts['start']!, /^MALLOC_MMAP_THRESHOLD_=\$\{MALLOC_MMAP_THRESHOLD_:-131072\} node \.\/build\/start\.js/);
  // It reads V8's compiled code from build/.compile-cache, which the image build fills: this machine's stays out of the upload.
  assert.match(readFileSync(join(dir, 'build/start.js'), 'utf8'), /enableCompileCache\?\.\(require\('node:path'\)\.join\(__dirname, '\.compile-cache'\)\)/);
  assert.match(pkg.scripts['build']!, /^node build\/warm-cache\.js /);
  assert.match(readFileSync(join(dir, '.funcignore'), 'utf8'), /^build\/\.compile-cache\/$/m);
  // The runtime it launches parses JSON without building two unthrown errors per event (scripts/build.mjs).
  const start = readFileSync(join(dir, 'build/runtime.js'), 'utf8');
  assert.match(start, /isDefined\)\(payload\) \|\| \(0, validation_1\.isDefinedOrThrow\)/);
  assert.match(start, /if \(!\(typeof ct === "string" && ct\.startsWith\("application\/cloudevents"\)\) && !this\.headers\["ce-id"\]\) return false;/);
  assert.match(start, /const applyLimit = fastify\.initialConfig\.bodyLimit;/);
  // A request the SDK cannot read as a CloudEvent reaches kiot, which answers 400, not the runtime's 500.
  assert.match(start, /catch \(err\) \{\s*request\.fcontext\.cloudevent = void 0;\s*return done\(\);\s*\}/);
  // Both bundles name closures only when the name would change, and always name classes.
  for (const bundle of [start, readFileSync(join(dir, 'build/index.js'), 'utf8')]) assert.match(bundle, /^var __name = \(target, value\) => target\.name === value \|\| \(target\.name === "" && target\.prototype === undefined\) \? target/m);
  assert.match(pkg.dependencies['faas-js-runtime']!, /^\^4\./);
  assert.ok(pkg.dependencies['cloudevents']);
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const section of ['## Events', '## Configuration', '## Errors', '## Run', '## Test']) assert.ok(readme.includes(section), `${name}/README.md lacks "${section}"`);
}

