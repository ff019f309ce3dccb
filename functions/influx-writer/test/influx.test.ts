import { strict as assert } from 'node:assert';
import { writePath } from '../src/influx';

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
