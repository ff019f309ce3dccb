/**
 * Every function's liveness and readiness probes, in the real faas-js-runtime, right after its event
 * loop lagged: the runtime's own probes then answer 503 with a TypeError (core probes.ts), which a
 * kubelet counts towards restarting a busy pod.
 */
import { strict as assert } from 'node:assert';
import { get } from 'node:http';
import type { Function as FaasFunction } from 'faas-js-runtime';
import * as converter from '../functions/converter/src/index';
import * as httpIngest from '../functions/http-ingest/src/index';
import * as influxWriter from '../functions/influx-writer/src/index';
import * as liveConsole from '../functions/live-console/src/index';
import * as validator from '../functions/validator/src/index';
import { functionNames } from './support/folders';
import { startFunction, type Running } from './support/runtime';

const MODULES: Record<string, Partial<FaasFunction>> = { converter, 'http-ingest': httpIngest, 'influx-writer': influxWriter, 'live-console': liveConsole, validator };

interface Answer {
  readonly status: number;
  readonly type: string | undefined;
  readonly body: string;
}

const probe = (url: string): Promise<Answer> =>
  new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });

/** The probe's answer when its request waited behind 150 ms of blocked event loop (past overload-protection's 42). */
async function afterLag(url: string): Promise<Answer> {
  await probe(url); // connection code and handlers warmed, so the request below is read only after the block
  const pending = probe(url);
  await new Promise((r) => setTimeout(r, 30));
  const end = Date.now() + 150;
  while (Date.now() < end) {
    // the event loop lags, as under a start beside other pods or a large event
  }
  return pending;
}

describe('liveness and readiness probes', () => {
  it('covers every function', () => assert.deepEqual(Object.keys(MODULES).sort(), functionNames()));

  for (const [name, fn] of Object.entries(MODULES)) {
    describe(name, () => {
      let running: Running;
      before(async () => {
        assert.equal(typeof fn.liveness, 'function', `${name} exports liveness`);
        assert.equal(typeof fn.readiness, 'function', `${name} exports readiness`);
        // The function's own probes in the runtime; its handler and init stay out (they need the function's config).
        running = await startFunction({ handle: async () => undefined, liveness: fn.liveness, readiness: fn.readiness } as FaasFunction);
      });
      after(() => running?.close());

      for (const path of ['/health/liveness', '/health/readiness']) {
        it(`${path} answers 200 OK after the event loop lagged, and at rest`, async () => {
          for (const answer of [await afterLag(running.url + path), await probe(running.url + path)]) {
            assert.deepEqual(answer, { status: 200, type: 'text/plain; charset=utf-8', body: 'OK' });
          }
        });
      }
    });
  }
});
