/**
 * Every folder in functions/ is a deployable unit: its func.yaml is valid for func, its package
 * is complete, and copied alone it installs, builds as the buildpack builds it, starts as its
 * container starts it, is ready, and answers a CloudEvent correctly.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkFolder, functionNames, probeFor } from './support/folders';
import { buildpackBuild, copyAlone, installProduction, startAlone } from './support/standalone';
import { startSink, type TestSink } from './support/sink';

const ROOT = join(__dirname, '..');

describe('every function folder is a deployable unit', function () {
  this.timeout(180_000);
  let sink: TestSink;
  before(async () => { sink = await startSink(); });
  after(() => sink.close());

  for (const name of functionNames()) {
    describe(name, () => {
      it('has a valid func.yaml (func_yaml-schema.json), a complete package.json and a README with every section', () => checkFolder(name));

      it('copied alone: installs, builds as the buildpack does, starts with npm start, is ready and answers a CloudEvent', async function () {
        const probe = probeFor(name);
        if (probe.needs) await probe.needs(this);
        const dir = copyAlone(join(ROOT, 'functions', name));
        installProduction(dir);
        rmSync(join(dir, 'build/.compile-cache'), { recursive: true, force: true }); // .funcignore keeps it out of the upload
        buildpackBuild(dir);
        // The image build compiled the bundles for the image's Node: every start of the image reads them (scripts/compile-cache.mjs).
        const cached = readdirSync(join(dir, 'build/.compile-cache'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
        assert.ok(cached.length >= 2, `build/.compile-cache holds ${cached.length} entries after npm run build`);
        // A second entry point (the writer's Kafka-direct consumer) loads from the folder alone too: with no
        // settings it gets as far as listing them, so every module it needs was found.
        if (existsSync(join(dir, 'build/consumer.js'))) {
          const r = spawnSync(process.execPath, ['build/consumer.js'], { cwd: dir, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8', timeout: 30_000 });
          assert.equal(r.status, 1, r.stderr);
          assert.match(r.stderr, /^invalid configuration:\n {2}- KAFKA_BROKERS is required/);
        }
        const fn = await startAlone(dir, probe.env(sink));
        try {
          await probe.check(fn.url, sink);
        } finally {
          await fn.stop();
        }
      });
    });
  }
});
