/** test/reference is a verbatim copy of the shared reference it came from: no file drifts. */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE } from './support/reference';

const SHARED = join(__dirname, '../../shared/reference');

describe('test/reference', () => {
  it('holds every file the tests read, each equal to ../shared/reference where that exists', function () {
    const ours = readdirSync(REFERENCE, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(REFERENCE, f)).isFile());
    assert.ok(ours.length >= 30, `only ${ours.length} files in test/reference`);
    if (!existsSync(SHARED)) {
      console.log('      (no ../shared/reference beside this clone: the copy is not compared)');
      this.skip();
    }
    for (const f of ours) assert.deepEqual(readFileSync(join(REFERENCE, f)), readFileSync(join(SHARED, f)), `test/reference/${f} differs from ../shared/reference`);
  });
});
