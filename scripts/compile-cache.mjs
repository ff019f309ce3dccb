// A function's process entry and V8's compile cache for it. Compiling the bundles (faas-js-runtime,
// fastify and kiot inlined) was about 25 ms of every cold start; Node keeps V8's compiled code in a
// directory and reuses it while the files' contents are the same. The function's `npm run build`,
// which both Knative builders run when they build the image (Paketo through BP_NODE_RUN_SCRIPTS,
// s2i always), fills build/.compile-cache with the image's own Node, so every pod start reads it.
// `scripts/build.mjs` fills it for this machine. A cache from another Node version or for other
// file contents is ignored by Node (the code is compiled as usual), and NODE_DISABLE_COMPILE_CACHE=1
// turns it off.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ENABLE = `require('node:module').enableCompileCache?.(require('node:path').join(__dirname, '.compile-cache'));`;

/** build/start.js: `npm start`. The cache is enabled before the bundles load, so they are read from it. */
export const START_JS = `'use strict';
// Written by scripts/compile-cache.mjs. The cache is filled when the image is built (npm run build).
${ENABLE}
const { launch } = require('./runtime.js');
// A bad config is its list of problems (core config.ts), said once; anything else with its stack.
launch(require('./index.js'), process.argv.slice(2), process.env).catch((err) => { console.error(err?.name === 'ConfigError' ? err.message : err); process.exit(1); });
`;

/** build/warm-cache.js: the function's \`npm run build\`. Loads the bundles without starting anything. */
export const WARM_JS = `'use strict';
// Written by scripts/compile-cache.mjs: fills build/.compile-cache for the Node that runs this.
const result = ${ENABLE.replace(/;$/, '')};
require('./runtime.js');
require('./index.js');
require('node:module').flushCompileCache?.();
const { ENABLED, ALREADY_ENABLED } = require('node:module').constants?.compileCacheStatus ?? {};
const fine = result !== undefined && (result.status === ENABLED || result.status === ALREADY_ENABLED);
// Without the cache the function starts as well, only slower: a warning, not a failed image build.
console.log(fine ? 'compile cache ready in ' + result.directory : 'compile cache unavailable (' + (result?.message ?? 'this Node has none') + '): the function compiles its code at every start');
`;

/** Writes a function's start and warm entries, then fills its cache with this machine's Node. */
export async function writeEntries(dir) {
  await writeFile(join(dir, 'build/start.js'), START_JS);
  await writeFile(join(dir, 'build/warm-cache.js'), WARM_JS);
  execFileSync(process.execPath, [join(dir, 'build/warm-cache.js')], { cwd: dir, stdio: 'ignore' });
}
