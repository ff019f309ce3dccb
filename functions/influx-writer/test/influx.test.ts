import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createInfluxWriter, lineWriter, WriteFailure, writePath, type InfluxTarget } from '../src/influx';

describe('influx-writer write path', () => {
  const cases = [
    { api: 'v2', bucket: 'kiot', precision: 'ms', want: '/api/v2/write?org=acme&bucket=kiot&precision=ms' },
    { api: 'v2', bucket: 'telemetry/autogen', precision: 'ns', want: '/api/v2/write?org=acme&bucket=telemetry%2Fautogen&precision=ns' },
    { api: 'v1', bucket: 'telemetry', precision: 'ns', want: '/write?db=telemetry&precision=n' },
    { api: 'v1', bucket: 'telemetry/week', precision: 'us', want: '/write?db=telemetry&rp=week&precision=u' },
  ] as const;
  for (const c of cases) {
    it(`${c.api} bucket ${c.bucket} at ${c.precision} → ${c.want}`, () => {
      assert.equal(writePath({ api: c.api, org: 'acme', bucket: c.bucket, precision: c.precision }), c.want);
    });
  }
});

describe('influx-writer request bodies, as they go on the wire', () => {
  let server: Server;
  const got: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  let target: InfluxTarget;
  let answer = 204;
  let retryAfter = '17';
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(answer, answer === 429 ? { 'retry-after': retryAfter } : {}).end(answer === 204 ? undefined : '{"code":"invalid","message":"partial write: field type conflict"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    target = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', org: 'o', bucket: 'b', api: 'v2', precision: 'ms', timeoutMs: 2000, gzipThreshold: 1000, gzipLevel: 1 };
  });
  beforeEach(() => {
    got.length = 0;
    answer = 204;
    retryAfter = '17';
  });
  after(() => server.close());

  const lines = (n: number): string[] => Array.from({ length: n }, (_, i) => `temperature,device=d${i % 7} value=${i / 10} ${1767225600000 + i}`);

  it('sends a body above WRITER_GZIP_THRESHOLD gzipped at WRITER_GZIP_LEVEL, and one below it as is', async () => {
    for (const level of [1, 9]) await lineWriter(createInfluxWriter({ ...target, gzipLevel: level }))(lines(200));
    await lineWriter(createInfluxWriter(target))(lines(3));
    assert.equal(got.length, 3);
    for (const [i, xfl] of [[0, 4], [1, 2]] as const) {
      assert.equal(got[i]!.headers['content-encoding'], 'gzip');
      // The gzip header's XFL byte: 4 for the fastest level, 2 for the best compression.
      assert.equal(got[i]!.body[8], xfl);
      assert.equal(gunzipSync(got[i]!.body).toString(), lines(200).join('\n'));
    }
    assert.equal(got[2]!.headers['content-encoding'], undefined);
    assert.equal(got[2]!.body.toString(), lines(3).join('\n'));
    assert.equal(got[2]!.headers['authorization'], 'Token t');
  });

  // Only the data's own problems are 'rejected' (split, then dead-lettered); settings and outages are retried.
  for (const [status, kind] of [[400, 'rejected'], [413, 'rejected'], [422, 'rejected'], [401, 'transient'], [403, 'transient'], [404, 'transient'], [429, 'transient'], [503, 'transient']] as const) {
    for (const n of status === 400 || status === 503 ? [3, 200] : [3]) {
      it(`turns a ${status} into a ${kind} WriteFailure carrying InfluxDB's message, for a ${n > 3 ? 'gzipped' : 'plain'} body`, async () => {
        answer = status;
        await assert.rejects(lineWriter(createInfluxWriter(target))(lines(n)), (e: unknown) => e instanceof WriteFailure && e.kind === kind && e.status === status && /field type conflict/.test(e.message)
          // InfluxDB Cloud's rate limit says how long to wait; the others say nothing.
          && e.retryAfterSeconds === (status === 429 ? 17 : undefined));
      });
    }
  }

  // Read as the sink's Retry-After is: delay-seconds or an HTTP-date, kept between 1 s and an hour; nonsense is no wait at all.
  for (const [said, wait] of [['in 30 s, as an HTTP-date', [29, 30]], ['86400', [3600, 3600]], ['0', [1, 1]], ['soon', undefined]] as const) {
    it(`reads InfluxDB's Retry-After ${said} as ${wait === undefined ? 'none' : `${wait[1]} s`}`, async () => {
      answer = 429;
      retryAfter = said.startsWith('in 30') ? new Date(Date.now() + 30_000).toUTCString() : said;
      await assert.rejects(lineWriter(createInfluxWriter(target))(lines(3)), (e: unknown) => e instanceof WriteFailure && e.kind === 'transient'
        && (wait === undefined ? e.retryAfterSeconds === undefined : e.retryAfterSeconds !== undefined && e.retryAfterSeconds >= wait[0] && e.retryAfterSeconds <= wait[1]));
    });
  }
});
