/**
 * A function's process as its container runs it (the bundled start entry: core launch.ts): a crash
 * is seen. faas-js-runtime's own trap for uncaught exceptions exits 0 without logging the error.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/runtime';

const RUNTIME = join(__dirname, '../functions/converter/build/runtime.js');

/** Runs a function module under the bundled runtime's launch until it exits; its exit code and stderr. */
async function runUntilExit(handleSource: string): Promise<{ code: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiot-launch-'));
  try {
    writeFileSync(join(dir, 'fn.js'), handleSource);
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(RUNTIME)}).launch(require(${JSON.stringify(join(dir, 'fn.js'))}), [], { FUNC_PORT: '${port}', FUNC_LOG_LEVEL: 'warn' })`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined);
      if (res !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return { code, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a function process (bundled start entry)', function () {
  this.timeout(30_000);

  it('exits 1 and logs the error when an exception goes uncaught, where the runtime exited 0 in silence', async () => {
    const { code, stderr } = await runUntilExit("exports.handle = async () => { setTimeout(() => { throw new Error('boom in a timer'); }, 10); return 'ok'; };");
    assert.equal(code, 1);
    const line = JSON.parse(stderr.trim().split('\n').at(-1)!) as { level: number; msg: string; err: { message: string; stack: string } };
    assert.equal(line.level, 60);
    assert.equal(line.err.message, 'boom in a timer');
    assert.match(line.err.stack, /fn\.js/);
  });

  it('so does a rejected promise nobody handles', async () => {
    const { code, stderr } = await runUntilExit("exports.handle = async () => { void Promise.reject(new Error('lost promise')); return 'ok'; };");
    assert.equal(code, 1);
    assert.match(stderr, /"message":"lost promise"/);
  });

  it('says a bad config once, as its list of problems, and exits 1 before it listens', () => {
    const r = spawnSync(process.execPath, ['build/start.js'], { cwd: join(__dirname, '../functions/converter'), env: { PATH: process.env['PATH'], CONVERTER_CODECS: 'x=y' }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^invalid configuration:\n {2}- CONVERTER_CODECS item "x=y" must be selector=codec/);
    assert.doesNotMatch(r.stderr, /\bat \S+ \(|problems:/, 'no stack, no object dump');
  });

  it('says bad runtime settings the same way, where the runtime listened on 8080 for FUNC_PORT=abc and died with a stack for a port out of range', () => {
    const r = spawnSync(process.execPath, ['build/start.js'], { cwd: join(__dirname, '../functions/converter'), env: { PATH: process.env['PATH'], FUNC_PORT: 'abc', FUNC_BODY_LIMIT: '2mb' }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'invalid configuration:\n  - FUNC_PORT must be an integer from 1 to 65535, got "abc"\n  - FUNC_BODY_LIMIT must be an integer from 1 to 9007199254740991, got "2mb"\n');
  });

  it('listens on $PORT, as Knative\'s runtime contract has it, when FUNC_PORT is not set', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['build/start.js'], { cwd: join(__dirname, '../functions/converter'), env: { PATH: process.env['PATH'], PORT: String(port) }, stdio: 'ignore' });
    try {
      let status: number | undefined;
      for (let i = 0; i < 100 && status === undefined; i++) {
        status = await fetch(`http://127.0.0.1:${port}/health/readiness`).then((res) => res.status, () => undefined);
        if (status === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(status, 200);
    } finally {
      child.kill();
    }
  });
});
