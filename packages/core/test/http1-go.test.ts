/**
 * kiot's HTTP/1.1 client against Go's net/http, the server Knative's multi-tenant Broker ingress runs on
 * (test/support/go-sink): pipelined requests answered in turn, Connection: close, and Go's idle timeout.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExchanger } from '../src/exchange';
import { missing } from '../../../test/support/services';

const SOURCE = join(__dirname, '../../../test/support/go-sink/main.go');

/** Go on the PATH, or where the polyglot machines install it. */
function goCommand(): string | undefined {
  for (const go of ['go', '/usr/local/go/bin/go']) {
    try {
      execFileSync(go, ['version'], { stdio: 'ignore' });
      return go;
    } catch {
      // try the next
    }
  }
  return undefined;
}

describe("kiot HTTP/1.1 client against Go's net/http", function () {
  this.timeout(180_000);
  let child: ChildProcess | undefined;
  let url: URL;

  before(async function () {
    const go = goCommand();
    if (go === undefined) missing(this, 'Go is not installed (the polyglot machines have it in /usr/local/go)');
    const binary = join(mkdtempSync(join(tmpdir(), 'kiot-go-sink-')), 'go-sink');
    execFileSync(go, ['build', '-o', binary, SOURCE], { stdio: 'inherit' });
    const c = spawn(binary, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = c;
    const port = await new Promise<number>((resolve, reject) => {
      c.stdout!.on('data', (d: Buffer) => {
        const m = /listening (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      c.once('exit', (code) => reject(new Error(`go-sink exited ${code}`)));
    });
    url = new URL(`http://127.0.0.1:${port}/`);
  });
  after(() => child?.kill());

  it('matches every pipelined answer to its request, Go answering one connection in turn', async () => {
    const exchange = createExchanger({ maxConnections: 2, pipelining: 16 });
    const bodies = Array.from({ length: 64 }, (_, i) => `{"n":${i}}`);
    const got = await Promise.all(bodies.map((b, i) => exchange(url, { 'x-delay-ms': String(i % 3) }, b, 10_000)));
    assert.deepEqual(got.map((a) => [a.status, a.body.toString()]), bodies.map((b) => [202, b]));
  });

  it('sends again what was pipelined behind an answer with Connection: close, which Go never read', async () => {
    const exchange = createExchanger({ maxConnections: 1, pipelining: 8 });
    const bodies = Array.from({ length: 8 }, (_, i) => `{"n":${i}}`);
    const got = await Promise.all(bodies.map((b, i) => exchange(url, i === 2 ? { 'x-close': '1' } : {}, b, 10_000)));
    assert.deepEqual(got.map((a) => [a.status, a.body.toString()]), bodies.map((b) => [202, b]));
    // Served once each: x-served counts every request Go handled, so eight answers span eight numbers.
    const served = got.map((a) => Number(a.headers['x-served']));
    assert.equal(Math.max(...served) - Math.min(...served), 7, `served: ${served.join(',')}`);
  });

  it('carries on after Go closed an idle connection (IdleTimeout 2 s, no Keep-Alive hint)', async () => {
    const exchange = createExchanger();
    assert.equal((await exchange(url, {}, 'a', 5000)).status, 202);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await exchange(url, {}, 'b', 5000)).status, 202);
  });
});
