#!/usr/bin/env node
// Bundles every function (and the embedded broker) with esbuild. Shared code (@kiot/core) is
// inlined, so each function folder is complete on its own for `func build`; the packages a
// function lists in its own dependencies stay external and are installed in its image, except in
// the runtime the start entry launches (build/runtime.js), which inlines faas-js-runtime: loading its ~530 files cost ~55 ms.
// keepNames: faas-js-runtime recognises a returned CloudEvent by constructor.name.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEntries } from './compile-cache.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function targets() {
  const out = [];
  for (const name of readdirSync(join(root, 'functions')).sort()) {
    const dir = join(root, 'functions', name);
    if (existsSync(join(dir, 'src/index.ts'))) {
      out.push({ name, dir, entry: join(dir, 'src/index.ts'), outfile: join(dir, 'build/index.js') });
      // The runtime the process entry (build/start.js, scripts/compile-cache.mjs) launches: faas-js-runtime started
      // as its CLI does, CORS preflights answered from cors().
      out.push({ name: `${name}-runtime`, dir, inlineAll: true, function: true, stdin: `module.exports = require(${JSON.stringify(join(root, 'packages/core/src/launch.ts'))});\n`, outfile: join(dir, 'build/runtime.js') });
    }
    // A second, long-running entry point (the writer's Kafka-direct consumer).
    // kafkajs is not among the folder's dependencies: this bundle carries it, patched (PATCHES).
    if (existsSync(join(dir, 'src/consumer.ts'))) out.push({ name: `${name}-consumer`, dir, entry: join(dir, 'src/consumer.ts'), outfile: join(dir, 'build/consumer.js') });
  }
  // kafkajs as the bundles carry it (PATCHES), for the benchmark's measure of the client alone.
  out.push({ name: 'kafkajs', dir: join(root, 'bench'), stdin: "module.exports = require('kafkajs');\n", outfile: join(root, 'bench/build/kafkajs.js') });
  // kiot's HTTP client, for the benchmark's references that hand off as kiot does (bench/hello/hand-off.js).
  out.push({ name: 'exchange', dir: join(root, 'bench'), stdin: `module.exports = require(${JSON.stringify(join(root, 'packages/core/src/exchange.ts'))});\n`, outfile: join(root, 'bench/build/exchange.js') });
  for (const [name, entry, outfile] of [['broker', 'broker/src/main.ts', 'broker/build/main.js'], ['mqtt-endpoint', 'endpoints/mqtt/src/main.ts', 'endpoints/mqtt/build/main.js'], ['cli', 'packages/cli/src/main.ts', 'packages/cli/build/kiot.js']]) {
    if (existsSync(join(root, entry))) out.push({ name, dir: join(root, dirname(dirname(entry))), entry: join(root, entry), outfile: join(root, outfile) });
  }
  return out;
}

/**
 * Library hot spots the bundles patch as they load the file. Each patch names the exact text it
 * changes; the build stops if that text is gone, so a library upgrade is reviewed, not silently kept.
 * - cloudevents' JSON parser builds two ValidationErrors (stack traces and all) on every parse, thrown
 *   or not, and faas-js-runtime parses each event twice: 30% of a CloudEvent function's CPU. They are
 *   built only when the library's own check fails. That check also refused JSON data that is a number
 *   or a boolean, which the CloudEvents JSON format allows: an MQTT device's bare `21.5` became 'the
 *   runtime could not read it' (400) at every stage. Such data is taken.
 * - faas-js-runtime asks cloudevents whether every request is a CloudEvent, and the answer "no" is a
 *   thrown ValidationError: 6% of http-ingest's CPU. The runtime first makes the check cloudevents'
 *   getMode makes (a cloudevents content type or a ce-id header) and answers "no" without the throw.
 * - faas-js-runtime answers 500 to a request that claims to be a CloudEvent but is not a valid one
 *   (no source, a bad extension name, a batch), so kiot's code never runs: behind a Broker a 500 is
 *   retried, and a device is told the fault is the server's. The runtime now hands such a request on
 *   without an event, and kiot answers 400 naming what is wrong (core's requireCloudEvent).
 * - faas-js-runtime's GET /metrics calls fastify's reply.headers('Content-Type', …), which takes an
 *   object: the string's characters went out as headers `0: C`, `1: o`, … and the Prometheus content
 *   type (`version=0.0.4`) never did. It sets the one header.
 * - fastify parses a JSON body itself and answers 400 in its own words to data declared JSON that
 *   does not parse, before the function runs: the converter's 422 and reason never came, and the
 *   live console, which shows whatever flows, dead-lettered such an event too. Such a body now reaches
 *   the function as its bytes, which answers for it; fastify's other refusals (an empty body, a
 *   __proto__ or constructor key) stand. So does a body that is not UTF-8, which fastify read with
 *   U+FFFD in place of its bytes and then parsed: Latin-1 "défaut" became "d\uFFFDfaut" without a word.
 * - The runtime's metrics stop each request's execution timer when it is answered, but start it only once the
 *   body was read: every request fastify refused while reading it (too large, an empty JSON body) logged a TypeError
 *   `req.execTimer is not a function` at error level. The timer is stopped only when it was started.
 * - fastify's own refusals (a body above FUNC_BODY_LIMIT, an empty JSON body, a __proto__ key) came in
 *   fastify's form, `{"statusCode":413,"code":"FST_ERR_…"}`: they are answered in kiot's (core
 *   runtime-refusals.ts), with kne-reason for the dead letter. A URL that does not decode and an unknown
 *   path are answered by fastify's router, not its error handler, and keep fastify's form.
 * - faas-js-runtime parses form data (application/x-www-form-urlencoded) with qs, which reads `a[b]=1`
 *   as nested objects, keeps the first 1,000 fields and drops the rest without a word, and joins the
 *   body's chunks as text. Such a body reaches the function as its bytes: the converter reads forms
 *   strictly (functions/converter/src/form.ts).
 * - fastify-raw-body (the runtime's --include-raw): see its entry.
 * - kafkajs builds each record's headers by spreading the object built so far into a new one per
 *   header: quadratic, and 20% of the Kafka-direct consumer's CPU at one reading per record (the
 *   Knative Kafka broker writes a dozen ce_* headers). One object, filled in a loop, gives the same
 *   headers (a repeated key still becomes an array); the rare record with a `__proto__` header keeps
 *   the original code, whose object literal makes that an own property. The writer's consumer and the CLI bundle kafkajs.
 */
const KAFKAJS_RECORD_DECODER = /kafkajs[\\/]src[\\/]protocol[\\/]recordBatch[\\/]record[\\/]v0[\\/]decoder\.js$/;

const PATCHES = [
  ...['isDefined', 'isStringOrObject'].map((check) => ({
    file: /cloudevents[\\/]dist[\\/]parsers\.js$/,
    find: new RegExp(`\\(0, validation_1\\.${check}OrThrow\\)\\(payload, new validation_1\\.ValidationError\\(`),
    // Numbers and booleans pass too: JSON data may be any JSON value, and a device's bare `21.5` (MQTT sniffs it as JSON) is one.
    replace: (m) => `${check === 'isDefined' ? '(0, validation_1.isDefined)(payload)' : '((0, validation_1.isString)(payload) || (0, validation_1.isObject)(payload) || typeof payload === "number" || typeof payload === "boolean")'} || ${m}`,
  })),
  {
    file: /faas-js-runtime[\\/]lib[\\/]event-handler\.js$/,
    find: /return HTTP\.isEvent\(this\);/,
    replace: (m) => `const ct = this.headers['content-type'];\n    if (!(typeof ct === 'string' && ct.startsWith('application/cloudevents')) && !this.headers['ce-id']) return false;\n    ${m}`,
  },
  {
    file: /faas-js-runtime[\\/]lib[\\/]event-handler\.js$/,
    find: /catch \(err\) \{\s*if \(err\.message\.startsWith\('invalid spec version'\)\) \{\s*reply\.code\(406\);\s*\}\s*done\(err\);\s*\}/,
    // The original also fell through to a second done().
    replace: () => 'catch (err) {\n        request.fcontext.cloudevent = undefined; // kiot: not a valid CloudEvent, kiot answers 400\n        return done();\n      }',
  },
  {
    file: /faas-js-runtime[\\/]lib[\\/]metrics\.js$/,
    find: /res\.headers\('Content-Type', register\.contentType\);/,
    replace: () => "res.header('Content-Type', register.contentType); // kiot: headers() takes an object",
  },
  {
    file: /faas-js-runtime[\\/]index\.js$/,
    find: /^ {2}server\.addContentTypeParser\(\n {4}'\*',$/m,
    replace: (m) => `  // kiot: data declared JSON that does not parse reaches the function as bytes (scripts/build.mjs)
  const kiotJson = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, function(req, body, done) {
    // Bytes that are not UTF-8 would be parsed with U+FFFD in their place: the function reads them (core json-bytes.ts).
    if (body.length > 0 && !require('node:buffer').isUtf8(body)) return done(null, body);
    kiotJson(req, body, (err, json) => {
      if (!err || body.length === 0) return done(err, json);
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        return done(null, body);
      }
      done(err, undefined);
    });
  });

${m}`,
  },
  {
    file: /faas-js-runtime[\\/]lib[\\/]metrics\.js$/,
    find: /^ {6}req\.execTimer\(\);$/m,
    replace: () => '      if (req.execTimer) req.execTimer(); // kiot: started only once the body was read',
  },
  {
    file: /faas-js-runtime[\\/]index\.js$/,
    find: /^ {4}bodyLimit: Number\(config\.bodyLimit\),\n {2}\}\);$/m,
    replace: (m) => `${m}
  // kiot: fastify's own refusals in kiot's error form (scripts/build.mjs)
  const { runtimeRefusal } = require(${JSON.stringify(join(root, 'packages/core/src/runtime-refusals.ts'))});
  server.setErrorHandler(function(err, request, reply) {
    const answer = runtimeRefusal(err);
    if (answer === undefined || answer.statusCode >= 500) reply.log.error(err);
    if (answer === undefined) return reply.send(err);
    reply.code(answer.statusCode).headers(answer.headers).send(answer.body);
  });`,
  },
  {
    file: /faas-js-runtime[\\/]index\.js$/,
    find: /^ {2}server\.addContentTypeParser\(\n {4}'application\/x-www-form-urlencoded',\n {4}function\(_, payload, done\) \{\n[\s\S]*?\n {2}\);$/m,
    replace: () => `  // kiot: form data reaches the function as its bytes, which the converter reads strictly (scripts/build.mjs)
  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, function(_, body, done) {
    done(null, body);
  });`,
  },
  {
    file: KAFKAJS_RECORD_DECODER,
    find: /const headers = decoder\.readVarIntArray\(HeaderDecoder\)\.reduce\(/,
    replace: () => `const kiotHeaderList = decoder.readVarIntArray(HeaderDecoder)
  const headers = kiotHeaders(kiotHeaderList) ?? kiotHeaderList.reduce(`,
  },
  {
    file: KAFKAJS_RECORD_DECODER,
    find: /^module\.exports = \(decoder, batchContext = \{\}\) => \{$/m,
    replace: (m) => `// kiot: the headers in one object, as the reduce below builds them, without a copy per header;
// undefined for a __proto__ header, which only the reduce's object literal makes an own property.
function kiotHeaders(list) {
  const headers = {}
  for (let i = 0; i < list.length; i++) {
    const { key, value } = list[i]
    if (key === '__proto__') return undefined
    const prev = headers[key]
    headers[key] = prev === undefined ? value : Array.isArray(prev) ? prev.concat([value]) : [prev, value]
  }
  return headers
}

${m}`,
  },
  {
    // --include-raw reads each request's limit through request.routeOptions, a getter that builds a
    // dozen-field object per call (3% of http-ingest's CPU). faas-js-runtime sets the limit on the
    // server only, never per route, so the server's limit is the same number.
    file: /fastify-raw-body[\\/]plugin\.js$/,
    find: /const applyLimit = request\.routeOptions\.bodyLimit/,
    replace: () => 'const applyLimit = fastify.initialConfig.bodyLimit',
  },
];

/** `src`, the library file at `path`, as the bundles load it: every patch for that file applied. */
export function patchSource(path, src) {
  for (const p of PATCHES.filter((x) => x.file.test(path))) {
    if (!p.find.test(src)) throw new Error(`${path}: the text kiot patches (${p.find.source}) is gone; review scripts/build.mjs`);
    src = src.replace(p.find, p.replace);
  }
  return src;
}

const patchPlugin = {
  name: 'kiot-library-patches',
  setup(b) {
    for (const source of new Set(PATCHES.map((p) => p.file.source))) {
      b.onLoad({ filter: new RegExp(source) }, async (args) => ({ contents: patchSource(args.path, await readFile(args.path, 'utf8')), loader: 'js' }));
    }
  },
};

/** `debug` (mqtt-packet's logger) resolves to loggers that never log: scripts/silent-debug.cjs says why. */
const silentDebugPlugin = {
  name: 'kiot-silent-debug',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, () => ({ path: join(root, 'scripts/silent-debug.cjs') }));
  },
};

/**
 * keepNames makes esbuild wrap every named function in `__name(fn, "name")`, which calls
 * Object.defineProperty on each closure as it is created: ten or more per request in fastify, undici
 * and kiot, about 15% of http-ingest's CPU. The helper kiot ships skips the call when the function
 * already has that name, and for arrows (no prototype), whose names nothing reads. Classes, which
 * faas-js-runtime recognises by constructor.name, are always named. The build stops if esbuild's
 * helper changes.
 */
const NAME_HELPER = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
const CHEAP_NAME_HELPER = 'var __name = (target, value) => target.name === value || (target.name === "" && target.prototype === undefined) ? target : __defProp(target, "name", { value, configurable: true });';

async function cheapenNames(outfile) {
  const src = await readFile(outfile, 'utf8');
  if (!src.includes('__name(')) return;
  if (!src.includes(`\n${NAME_HELPER}\n`)) throw new Error(`${outfile}: esbuild's __name helper is not the one kiot replaces; review scripts/build.mjs`);
  await writeFile(outfile, src.replace(NAME_HELPER, CHEAP_NAME_HELPER));
}

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
      plugins: [patchPlugin, silentDebugPlugin],
      tsconfig: join(root, 'tsconfig.json'),
      // The CLI runs from the repository, where mqtt (MQTT.js) is installed; it is not bundled. kafkajs is, patched.
      external: t.inlineAll ? [] : [...Object.keys(pkg.dependencies ?? {}), ...(t.name === 'cli' ? ['mqtt'] : [])],
    });
    await cheapenNames(t.outfile);
  }));
  // Once index.js and runtime.js of every function are written: its start entry and compile cache.
  for (const t of targets().filter((x) => x.function)) await writeEntries(t.dir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAll().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
