/**
 * Every setting a piece reads from its environment is in its README: in the configuration table of
 * each function and endpoint, in the text of the embedded broker. A setting added without a line
 * for operators fails here.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The names a config module reads: `r.integer('NAME', …)` and the like, and helpers handed the reader (`readTrustedProxies(r, 'NAME')`). */
function settingsRead(source: string): string[] {
  return [...new Set([...source.matchAll(/(?:\br\.\w+\(|\(r, )\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!))];
}

/** The SinkBinding's variables, read for every piece whose config calls readSinkBinding. */
const SINK_BINDING = settingsRead(readFileSync(join(ROOT, 'packages/core/src/sink-binding.ts'), 'utf8'));

function configSources(dir: string): string[] {
  const src = join(dir, 'src');
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'config.ts') found.push(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  if (existsSync(src)) walk(src);
  return found;
}

/** A README's table rows outside its Events section (whose table names events, not settings). */
function settingRows(readme: string): string {
  return readme.split(/^(?=## )/m).filter((section) => !section.startsWith('## Events')).join('').split('\n').filter((l) => l.startsWith('|')).join('\n');
}

const pieces = [
  ...readdirSync(join(ROOT, 'functions')).map((n) => ({ dir: `functions/${n}`, table: true })),
  ...readdirSync(join(ROOT, 'endpoints')).map((n) => ({ dir: `endpoints/${n}`, table: true })),
  { dir: 'broker', table: false },
];

describe('every setting read from the environment is documented in its README', () => {
  it('finds the names a config module reads, and only those', () => {
    assert.deepEqual(settingsRead("const a = r.integer('MQTT_PORT', 1883); r.list( 'X_Y'); readTrustedProxies(r, 'Z_PROXIES'); const no = 'NOT_READ';"), ['MQTT_PORT', 'X_Y', 'Z_PROXIES']);
    assert.deepEqual(SINK_BINDING.sort(), ['K_CA_CERTS', 'K_CE_OVERRIDES', 'K_SINK']);
    assert.equal(settingRows('# x\n\n## Events\n\n| in | `A_B` when set |\n\n## Configuration\n\n| `C_D` | 1 |\n'), '| `C_D` | 1 |');
  });

  for (const { dir, table } of pieces) {
    it(`${dir}: ${table ? 'a row of its configuration table' : 'its README'} for each`, () => {
      const sources = configSources(join(ROOT, dir));
      assert.ok(sources.length > 0, `${dir} has a src/**/config.ts`);
      const names = sources.flatMap((s) => [...settingsRead(s), ...(s.includes('readSinkBinding(') ? SINK_BINDING : [])]);
      const readme = readFileSync(join(ROOT, dir, 'README.md'), 'utf8');
      const where = table ? settingRows(readme) : readme;
      const missing = names.filter((n) => !where.includes(`\`${n}\``));
      assert.deepEqual(missing, [], `${dir}/README.md does not document ${missing.join(', ')}`);
    });
  }
});
