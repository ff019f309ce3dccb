/**
 * Every `kiot_*` name a piece exposes (Prometheus series, InfluxDB measurements, Kafka record
 * headers) is named in its README, so an operator can look up what they see in a dashboard or a
 * topic. A metric added without its line fails here, as config-docs does for settings.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The `kiot_…` identifiers in a source text: in quotes, in template strings, as object keys. */
function kiotNames(source: string): string[] {
  return [...new Set(source.match(/\bkiot_[a-z0-9_]+/g) ?? [])].sort();
}

function sources(dir: string): string {
  const texts: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ts')) texts.push(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(dir);
  return texts.join('\n');
}

const pieces = ['broker', ...['functions', 'endpoints', 'packages'].flatMap((group) => readdirSync(join(ROOT, group)).map((n) => `${group}/${n}`))]
  .filter((dir) => existsSync(join(ROOT, dir, 'src')));

describe('every kiot_* name a piece exposes is in its README', () => {
  it('finds names in quotes, template strings and object keys, once each', () => {
    assert.deepEqual(kiotNames("m.inc('kiot_a_total'); `kiot_b ${x}`; { kiot_c: 1 }; 'kiot_a_total'; kiotx_d"), ['kiot_a_total', 'kiot_b', 'kiot_c']);
  });

  for (const dir of pieces) {
    it(dir, () => {
      const names = kiotNames(sources(join(ROOT, dir, 'src')));
      const file = join(ROOT, dir, 'README.md');
      const readme = existsSync(file) ? readFileSync(file, 'utf8') : '';
      // Named as code: `kiot_x` or `kiot_x{labels}`.
      const missing = names.filter((n) => !new RegExp(`\`${n}[\`{]`).test(readme));
      assert.deepEqual(missing, [], `${dir}/README.md does not name ${missing.join(', ')}`);
    });
  }
});
