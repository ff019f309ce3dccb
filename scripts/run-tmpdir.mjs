// One temporary directory per run of the tests, the benchmarks or the soak: every temporary file
// of the run and of the processes it starts (stacks, brokers, function copies, certificates) goes
// under it, through TMPDIR, and the whole directory is removed when the run ends. Each test that
// made its own directory under /tmp and left it there added up to hundreds of megabytes a day.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Creates the run's directory and points TMPDIR at it (node's tmpdir() reads TMPDIR at each
 * call, and child processes inherit it). At exit it is removed; after a failed run it is kept for
 * a look, and its path printed, as it is with KIOT_KEEP_TMP=1.
 */
export function runTmpdir(prefix, env = process.env) {
  const outer = tmpdir();
  const dir = mkdtempSync(join(outer, prefix));
  // scripts/services/start keeps the test Kafka's TLS files under the TMPDIR it ran with, not the run's.
  env.KIOT_SERVICES_TMPDIR ??= outer;
  env.TMPDIR = dir;
  process.on('exit', (code) => {
    if (code !== 0 || env.KIOT_KEEP_TMP === '1') {
      process.stdout.write(`temporary files of this run kept in ${dir}\n`);
      return;
    }
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      process.stdout.write(`could not remove ${dir}: ${err.message}\n`);
    }
  });
  return dir;
}
