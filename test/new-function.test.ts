/** `scripts/new-function demo-step` scaffolds a folder that passes the same checks as every function, unedited. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkFolder, probeFor } from './support/folders';
import { buildpackBuild, copyAlone, installProduction, startAlone } from './support/standalone';
import { startSink } from './support/sink';

const ROOT = join(__dirname, '..');
const NAME = 'demo-step';
const DIR = join(ROOT, 'functions', NAME);

describe('scripts/new-function', function () {
  this.timeout(180_000);
  before(() => {
    rmSync(DIR, { recursive: true, force: true });
    const r = spawnSync(join(ROOT, 'scripts/new-function'), [NAME], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('refuses a bad name and an existing folder', () => {
    assert.notEqual(spawnSync(join(ROOT, 'scripts/new-function'), ['Bad_Name'], { cwd: ROOT }).status, 0);
    assert.notEqual(spawnSync(join(ROOT, 'scripts/new-function'), [NAME], { cwd: ROOT }).status, 0);
  });

  it('writes func.yaml from templates/func.yaml, a lockfile, and a README with every section', () => {
    assert.ok(existsSync(join(DIR, 'package-lock.json')));
    checkFolder(NAME);
  });

  it("passes its own unit and runtime tests without edits", () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/mocha'), [`functions/${NAME}/test/**/*.test.ts`], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /4 passing/);
  });

  it('copied alone: installs, builds, starts and replies with its own type', async () => {
    const sink = await startSink();
    const dir = copyAlone(DIR);
    try {
      installProduction(dir);
      buildpackBuild(dir);
      const fn = await startAlone(dir, {});
      try {
        await probeFor(NAME).check(fn.url, sink);
      } finally {
        await fn.stop();
      }
    } finally {
      await sink.close();
    }
  });
});
