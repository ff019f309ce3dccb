/** The published figures stay in step with the suite: every section it measures is in docs/reliability.md, with figures. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTIONS } from './report';

describe('docs/reliability.md', () => {
  const doc = readFileSync(join(__dirname, '../../docs/reliability.md'), 'utf8');
  for (const s of Object.values(SECTIONS)) {
    it(`publishes "${s.title}" with its figures (npm run reliability rewrites it)`, () => {
      const at = doc.indexOf(`## ${s.title}\n`);
      assert.ok(at >= 0, `no section "${s.title}": run npm run reliability`);
      const body = doc.slice(at, doc.indexOf('\n## ', at + 1) >>> 0 || undefined);
      assert.match(body, /^\| .* \|$/m, `section "${s.title}" has no table: run npm run reliability`);
    });
  }
});
