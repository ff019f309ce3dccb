import { strict as assert } from 'node:assert';
import { ConfigError } from '@kiot/core';
import { parseConfig } from '../src/config';

const base = { INFLUX_URL: 'http://influx:8086', INFLUX_BUCKET: 'kiot' };

describe('influx-writer config', () => {
  it('reads the mapping, comma-separated', () => {
    const c = parseConfig({ ...base, WRITER_TAGS: 'site, floor', WRITER_FIELDS: 'temperature', WRITER_MEASUREMENTS: 'demo/t=env,t=temp', INFLUX_PRECISION: 'us' });
    assert.deepEqual(c.mapping, { measurements: { 'demo/t': 'env', t: 'temp' }, tags: ['site', 'floor'], integerFields: [], fields: ['temperature'], precision: 'us' });
  });

  it('refuses tag and field names InfluxDB keeps for itself, or a tag every point has already, listing each', () => {
    assert.throws(() => parseConfig({ ...base, WRITER_TAGS: 'time,_measurement,device,site', WRITER_FIELDS: 'time,_field,ok' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        'WRITER_TAGS: InfluxDB reserves the tag key "time"',
        'WRITER_TAGS: InfluxDB reserves the tag key "_measurement"',
        'WRITER_TAGS: device is already a tag of every point',
        'WRITER_FIELDS: InfluxDB reserves the field key "time"',
        'WRITER_FIELDS: InfluxDB reserves the field key "_field"',
      ]);
      return true;
    });
  });
});
