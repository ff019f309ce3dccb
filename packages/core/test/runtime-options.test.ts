import { strict as assert } from 'node:assert';
import { ConfigError } from '../src/config';
import { runtimeOptions, type RuntimeOptions } from '../src/runtime-options';

const RUNTIME: RuntimeOptions = { logLevel: 'warn', port: 8080, includeRaw: false, bodyLimit: 1048576 };

describe('runtimeOptions(argv, env): what faas-js-runtime starts with', () => {
  const cases: [string, string[], Record<string, string>, Partial<RuntimeOptions>][] = [
    ['nothing set: the runtime\'s defaults', [], {}, {}],
    ['the runtime CLI\'s variables', [], { FUNC_LOG_LEVEL: 'info', FUNC_PORT: '9000', FUNC_BODY_LIMIT: '2097152' }, { logLevel: 'info', port: 9000, bodyLimit: 2097152 }],
    ['PORT, as Knative sets it for the container port', [], { PORT: '8012' }, { port: 8012 }],
    ['FUNC_PORT before PORT', [], { PORT: '8012', FUNC_PORT: '9000' }, { port: 9000 }],
    ['an empty FUNC_PORT leaves PORT to decide', [], { PORT: '8012', FUNC_PORT: '' }, { port: 8012 }],
    ['FUNC_INCLUDE_RAW with any value, as the runtime CLI reads it', [], { FUNC_INCLUDE_RAW: 'false' }, { includeRaw: true }],
    ['--include-raw', ['--include-raw'], {}, { includeRaw: true }],
  ];
  for (const [name, argv, env, want] of cases) it(name, () => assert.deepEqual(runtimeOptions(argv, env, RUNTIME), { ...RUNTIME, ...want }));

  it('lists every bad value at once instead of starting on a guess or dying with a stack', () => {
    assert.throws(() => runtimeOptions([], { FUNC_PORT: 'abc', FUNC_BODY_LIMIT: '2mb', FUNC_LOG_LEVEL: 'loud' }, RUNTIME), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        'FUNC_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
        'FUNC_PORT must be an integer from 1 to 65535, got "abc"',
        'FUNC_BODY_LIMIT must be an integer from 1 to 9007199254740991, got "2mb"',
      ]);
      return true;
    });
    for (const env of [{ PORT: '70000' }, { FUNC_PORT: '0' }, { FUNC_BODY_LIMIT: '0' }]) assert.throws(() => runtimeOptions([], env, RUNTIME), ConfigError, JSON.stringify(env));
  });

  it('gives a frozen object', () => assert.ok(Object.isFrozen(runtimeOptions([], {}, RUNTIME))));
});
