import { strict as assert } from 'node:assert';
import { ConfigError, EnvReader, type Env } from '../src';

const parse = (env: Env) => {
  const r = new EnvReader(env);
  return r.done({ port: r.integer('PORT', 8080, 1, 65535), sink: r.url('K_SINK', true), debug: r.boolean('DEBUG', false), mode: r.oneOf('MODE', ['a', 'b'] as const, 'a'), tags: r.list('TAGS') });
};

describe('EnvReader', () => {
  const cases: { name: string; env: Env; expected?: object; problems?: RegExp[] }[] = [
    { name: 'defaults', env: { K_SINK: 'http://broker/ns/b' }, expected: { port: 8080, sink: 'http://broker/ns/b', debug: false, mode: 'a', tags: [] } },
    { name: 'values', env: { K_SINK: 'https://x', PORT: '9000', DEBUG: 'yes', MODE: 'b', TAGS: 'a, b,,c' }, expected: { port: 9000, sink: 'https://x', debug: true, mode: 'b', tags: ['a', 'b', 'c'] } },
    { name: 'every problem at once', env: { PORT: 'abc', DEBUG: 'maybe', MODE: 'z' }, problems: [/K_SINK is required/, /PORT must be an integer/, /DEBUG must be true or false/, /MODE must be one of a, b/] },
    { name: 'bad url', env: { K_SINK: 'ftp://x' }, problems: [/K_SINK must be an http\(s\) URL/] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.expected) return assert.deepEqual(parse(c.env), c.expected);
      try {
        parse(c.env);
        assert.fail('expected a ConfigError');
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, c.problems!.length, err.message);
        for (const p of c.problems!) assert.match(err.message, p);
      }
    });
  }

  it('returns a deeply frozen config', () => {
    const cfg = parse({ K_SINK: 'http://x', TAGS: 'a' });
    assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.tags));
  });
});
