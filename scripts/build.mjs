#!/usr/bin/env node
// Bundles every function (and the embedded broker) with esbuild. Shared code (@kiot/core) is
// inlined, so each function folder is complete on its own for `func build`; the packages a
// function lists in its own dependencies stay external and are installed in its image, except in
// the start entry (build/start.js), which inlines faas-js-runtime: loading its ~530 files cost ~55 ms.
// keepNames: faas-js-runtime recognises a returned CloudEvent by constructor.name.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function targets() {
  const out = [];
  for (const name of readdirSync(join(root, 'functions')).sort()) {
    const dir = join(root, 'functions', name);
    if (existsSync(join(dir, 'src/index.ts'))) {
      out.push({ name, dir, entry: join(dir, 'src/index.ts'), outfile: join(dir, 'build/index.js') });
      // The process entry (`npm start`): faas-js-runtime started as its CLI does, CORS preflights answered from cors().
      out.push({ name: `${name}-start`, dir, inlineAll: true, stdin: `const { launch } = require(${JSON.stringify(join(root, 'packages/core/src/launch.ts'))});\nlaunch(require(require('node:path').join(__dirname, 'index.js')), process.argv.slice(2), process.env).catch((err) => { console.error(err); process.exit(1); });\n`, outfile: join(dir, 'build/start.js') });
    }
    // A second, long-running entry point (the writer's Kafka-direct consumer).
    if (existsSync(join(dir, 'src/consumer.ts'))) out.push({ name: `${name}-consumer`, dir, entry: join(dir, 'src/consumer.ts'), outfile: join(dir, 'build/consumer.js') });
  }
  for (const [name, entry, outfile] of [['broker', 'broker/src/main.ts', 'broker/build/main.js'], ['mqtt-endpoint', 'endpoints/mqtt/src/main.ts', 'endpoints/mqtt/build/main.js'], ['cli', 'packages/cli/src/main.ts', 'packages/cli/build/kiot.js']]) {
    if (existsSync(join(root, entry))) out.push({ name, dir: join(root, dirname(dirname(entry))), entry: join(root, entry), outfile: join(root, outfile) });
  }
  return out;
}

/**
 * cloudevents' JSON parser builds two ValidationErrors (stack traces and all) on every parse, thrown
 * or not, and faas-js-runtime parses each event twice: 30% of a CloudEvent function's CPU. The
 * bundles build them only when the library's own check fails. The build stops if the text changed.
 */
const EAGER = ['isDefined', 'isStringOrObject'];
const lazyErrorsPlugin = {
  name: 'cloudevents-lazy-errors',
  setup(b) {
    b.onLoad({ filter: /cloudevents[\\/]dist[\\/]parsers\.js$/ }, async (args) => {
      let src = await readFile(args.path, 'utf8');
      for (const check of EAGER) {
        const eager = new RegExp(`\\(0, validation_1\\.${check}OrThrow\\)\\(payload, new validation_1\\.ValidationError\\(`);
        if (!eager.test(src)) throw new Error(`${args.path}: the ${check}OrThrow call kiot makes lazy is gone; review scripts/build.mjs`);
        const test = check === 'isDefined' ? '(0, validation_1.isDefined)(payload)' : '((0, validation_1.isString)(payload) || (0, validation_1.isObject)(payload))';
        src = src.replace(eager, (m) => `${test} || ${m}`);
      }
      return { contents: src, loader: 'js' };
    });
  },
};

export async function buildAll() {
  await Promise.all(targets().map(async (t) => {
    const pkgPath = join(t.dir, 'package.json');
    const pkg = existsSync(pkgPath) ? JSON.parse(readFileSync(pkgPath, 'utf8')) : {};
    await build({
      ...(t.stdin !== undefined ? { stdin: { contents: t.stdin, resolveDir: t.dir, sourcefile: 'kiot-start-entry.js', loader: 'js' } } : { entryPoints: [t.entry] }),
      outfile: t.outfile,
      // faas-js-runtime's lib/metrics.js assigns an undeclared `osu` (fine in sloppy mode); the bundle is strict.
      ...(t.inlineAll ? { banner: { js: 'var osu;' } } : {}),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'warning',
      plugins: [lazyErrorsPlugin],
      tsconfig: join(root, 'tsconfig.json'),
      // The CLI runs from the repository, where mqtt (MQTT.js) is installed; it is not bundled.
      external: t.inlineAll ? [] : [...Object.keys(pkg.dependencies ?? {}), ...(t.name === 'cli' ? ['mqtt', 'kafkajs'] : [])],
    });
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAll().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
