import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';

const ROOT = join(__dirname, '..');

/** Every *.test.ts in the project, relative to its root, outside node_modules and build output. */
function testFiles(dir = ''): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'build' || e.name.startsWith('.') ? [] : testFiles(rel);
    return e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

describe('npm test runs every test file', () => {
  it('has no *.test.ts outside the suites it runs (the MQTT endpoint\'s tests were once left out)', async () => {
    const { SPECS, RUN_ELSEWHERE } = await import('../scripts/test-specs.mjs');
    const files = testFiles();
    assert.ok(files.includes('endpoints/mqtt/test/endpoint.test.ts'));
    const missed = files.filter((f) => !SPECS.some((g) => matchesGlob(f, g)) && !RUN_ELSEWHERE.some((d) => f.startsWith(d)));
    assert.deepEqual(missed, []);
  });
});
