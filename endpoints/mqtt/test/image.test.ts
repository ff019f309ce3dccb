/** The image installs endpoints/mqtt/package.json's dependencies and copies build/: the bundle needs nothing else. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const DIR = join(__dirname, '..');

describe('mqtt endpoint image', () => {
  const bundle = readFileSync(join(DIR, 'build/main.js'), 'utf8');
  const required = new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!.replace(/^node:/, '')).filter((m) => !builtinModules.includes(m)));

  it('requires only the packages its package.json lists (npm run build first)', () => {
    const deps = Object.keys((JSON.parse(readFileSync(join(DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    assert.deepEqual([...required].filter((m) => !deps.includes(m)), []);
  });

  it('carries mqtt-packet with loggers that never log: DEBUG printed every packet, passwords included', () => {
    assert.ok(!required.has('mqtt-packet') && bundle.includes('mqtt-packet:parser'), 'mqtt-packet is bundled');
    // The debug package's own code (its `humanize`, the `ms` it formats times with) is not in the bundle: scripts/silent-debug.cjs is.
    assert.ok(!required.has('debug') && !bundle.includes('.humanize'), 'debug is scripts/silent-debug.cjs');
  });
});
