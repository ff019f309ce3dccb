/**
 * The library patches the bundles carry (scripts/build.mjs) change cost, not behaviour: each patched
 * file answers as the published one does. The fixes among them are held to the answer they fix.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';

const ROOT = join(__dirname, '..');
const requireHere = createRequire(join(ROOT, 'package.json'));

/** The CommonJS module at `path` compiled from `src`, with its own directory for its requires. */
function load(path: string, src: string): unknown {
  const module = { exports: {} as unknown };
  compileFunction(src, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: path })(module.exports, createRequire(path), module, path, dirname(path));
  return module.exports;
}

describe('library patches in the bundles', () => {
  describe('kafkajs record headers (the Kafka-direct consumer)', () => {
    const decoderPath = requireHere.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
    type RecordDecoder = (decoder: unknown, context: Record<string, unknown>) => { headers: Record<string, unknown>; key: Buffer | null; value: Buffer | null; offset: string };
    const published = requireHere(decoderPath) as RecordDecoder;
    let patched: RecordDecoder;
    const Decoder = requireHere('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => { readVarIntBytes(): Buffer };
    const encodeRecord = requireHere('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: Record<string, unknown>) => { buffer: Buffer };

    before(async () => {
      const { patchSource } = await import('../scripts/build.mjs');
      const src = patchSource(decoderPath, readFileSync(decoderPath, 'utf8'));
      assert.notEqual(src, readFileSync(decoderPath, 'utf8'), 'the patch applies to the installed kafkajs');
      patched = load(decoderPath, src) as RecordDecoder;
    });

    const decode = (decoder: RecordDecoder, headers: Record<string, unknown>) => {
      const body = new Decoder(encodeRecord({ offsetDelta: 3, key: Buffer.from('app/dev'), value: Buffer.from('{"a":1}'), headers }).buffer).readVarIntBytes();
      return decoder(new Decoder(body), { firstOffset: '40', firstTimestamp: '1764000000000', magicByte: 2 });
    };

    const knative: Record<string, Buffer> = Object.fromEntries(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'application', 'device', 'sender', 'partitionkey', 'knativearrivaltime'].map((k, i) => [`ce_${k}`, Buffer.from(`value ${i}`)]));
    const cases: [string, Record<string, unknown>][] = [
      ['no headers', {}],
      ['the ce_* headers the Knative Kafka broker writes', knative],
      ['a key given twice and a key given three times (arrays, in order)', { a: [Buffer.from('1'), Buffer.from('2')], b: [Buffer.from('x'), Buffer.from('y'), Buffer.from('z')], c: Buffer.from('c') }],
      ['keys named as Object.prototype members', { toString: Buffer.from('t'), constructor: Buffer.from('c'), hasOwnProperty: Buffer.from('h') }],
      ['a header with an empty value', { ce_id: Buffer.from('1'), empty: Buffer.alloc(0) }],
      ['a __proto__ header (the published code path)', JSON.parse('{"__proto__": "p", "ce_id": "1"}') as Record<string, unknown>],
    ];
    for (const [name, headers] of cases) {
      it(`decodes as kafkajs does: ${name}`, () => {
        const want = decode(published, headers);
        const got = decode(patched, headers);
        assert.deepEqual(got, want);
        assert.equal(Object.getPrototypeOf(got.headers), Object.getPrototypeOf(want.headers));
        assert.deepEqual(Object.keys(got.headers), Object.keys(want.headers));
      });
    }

    it('a repeated key is an array of every value, as kafkajs documents', () => {
      const { headers } = decode(patched, { a: [Buffer.from('1'), Buffer.from('2'), Buffer.from('3')] });
      assert.deepEqual(headers['a'], [Buffer.from('1'), Buffer.from('2'), Buffer.from('3')]);
    });

    for (const bundle of ['functions/influx-writer/build/consumer.js', 'packages/cli/build/kiot.js', 'bench/build/kafkajs.js']) {
      it(`${bundle} carries the patched kafkajs, not the installed one`, () => {
        const text = readFileSync(join(ROOT, bundle), 'utf8');
        assert.match(text, /kiotHeaders\(kiotHeaderList\)/);
        assert.doesNotMatch(text, /require\("kafkajs"\)/);
      });
    }
  });

  describe('faas-js-runtime metrics (fixes)', () => {
    const metricsPath = requireHere.resolve('faas-js-runtime/lib/metrics.js');
    type Handler = (request: unknown, reply: unknown) => Promise<void>;
    type Configure = (config: object) => (server: unknown) => Handler;
    interface App {
      get(path: string, handler: Handler): void;
      inject(request: { method: string; url: string }): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>;
      close(): Promise<void>;
    }
    const fastify = requireHere('fastify') as () => App;

    /** The module's /metrics served by fastify, as the runtime serves it. */
    async function scrape(configure: Configure) {
      const app = fastify();
      app.get('/metrics', configure({ name: 'probe' })(app));
      try {
        return await app.inject({ method: 'GET', url: '/metrics' });
      } finally {
        await app.close();
      }
    }

    it('answers in the Prometheus text format\'s content type, where the published one sent a header per character', async () => {
      const { patchSource } = await import('../scripts/build.mjs');
      const published = readFileSync(metricsPath, 'utf8');
      const fixed = await scrape(load(metricsPath, patchSource(metricsPath, published)) as Configure);
      assert.equal(fixed.statusCode, 200);
      assert.equal(fixed.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(fixed.headers['0'], undefined);
      assert.match(fixed.body, /^faas_invocations\{[^}]*faas_name="probe"[^}]*\} \d+$/m);
      const broken = await scrape(load(metricsPath, published) as Configure);
      assert.equal(broken.headers['0'], 'C', 'the installed faas-js-runtime still has the bug the patch fixes');
    });

    it('stops no execution timer for a request refused while its body was read, where the published one logged a TypeError', async () => {
      const { patchSource } = await import('../scripts/build.mjs');
      const published = readFileSync(metricsPath, 'utf8');
      const logged = async (configure: Configure): Promise<string> => {
        let log = '';
        const app = (requireHere('fastify') as (o: object) => App & { post(path: string, handler: Handler): void })({ logger: { level: 'error', stream: { write: (line: string) => void (log += line) } } });
        configure({ name: 'probe' })(app);
        app.post('/', async () => undefined);
        try {
          const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: '' } as { method: string; url: string });
          assert.equal(res.statusCode, 400);
          await new Promise((r) => setTimeout(r, 20)); // onResponse runs after the answer went out
          return log;
        } finally {
          await app.close();
        }
      };
      assert.equal(await logged(load(metricsPath, patchSource(metricsPath, published)) as Configure), '');
      assert.match(await logged(load(metricsPath, published) as Configure), /req\.execTimer is not a function/, 'the installed faas-js-runtime still has the bug the patch fixes');
    });

    for (const fn of ['converter', 'http-ingest']) {
      it(`functions/${fn}/build/runtime.js carries the fixes`, () => {
        const text = readFileSync(join(ROOT, 'functions', fn, 'build/runtime.js'), 'utf8');
        assert.match(text, /res\.header\(["']Content-Type["'], register\.contentType\)/);
        assert.doesNotMatch(text, /res\.headers\(["']Content-Type["']/);
        assert.match(text, /if \(req\.execTimer\) req\.execTimer\(\);/);
      });
    }
  });
});
