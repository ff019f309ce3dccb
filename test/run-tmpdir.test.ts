/** scripts/run-tmpdir.mjs: a run's temporary files go under one directory, removed when the run succeeds. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const helper = join(__dirname, '../scripts/run-tmpdir.mjs');

/** A run that makes a temporary directory of its own, and one in a child process, then exits with `code`. */
function run(parent: string, code: number, extraEnv: Record<string, string> = {}) {
  const script = `
    import { runTmpdir } from ${JSON.stringify(helper)};
    import { mkdtempSync, writeFileSync } from 'node:fs';
    import { execFileSync } from 'node:child_process';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const dir = runTmpdir('kiot-t-');
    writeFileSync(join(mkdtempSync(join(tmpdir(), 'mine-')), 'f'), 'x');
    execFileSync(process.execPath, ['-e', "require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'child-'))"]);
    console.log('DIR=' + dir);
    process.exit(${code});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: parent, ...extraEnv }, encoding: 'utf8' });
  const dir = /DIR=(\S+)/.exec(r.stdout)?.[1];
  assert.ok(dir, r.stdout + r.stderr);
  return { dir, out: r.stdout };
}

describe('a run\'s temporary directory', () => {
  let parent: string;
  beforeEach(() => (parent = mkdtempSync(join(tmpdir(), 'kiot-parent-'))));
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('holds what the run and its child processes made, and is gone when the run succeeds', () => {
    const { dir } = run(parent, 0);
    assert.ok(dir.startsWith(parent));
    assert.ok(!existsSync(dir));
    assert.deepEqual(readdirSync(parent), []);
  });

  it('is kept after a failed run, or with KIOT_KEEP_TMP=1, and its path printed', () => {
    for (const [code, env] of [[1, {}], [0, { KIOT_KEEP_TMP: '1' }]] as const) {
      const { dir, out } = run(parent, code, env);
      assert.match(out, new RegExp(`kept in ${dir}`));
      const inside = readdirSync(dir).sort();
      assert.equal(inside.length, 2);
      assert.ok(inside[0]!.startsWith('child-') && inside[1]!.startsWith('mine-'), inside.join());
    }
  });
});
