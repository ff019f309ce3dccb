import { strict as assert } from 'node:assert';
import { CloudEvent, HTTP } from 'cloudevents';
import * as validator from '../src/index';
import { setEnv } from '../../../test/support/env';

// Restored after each suite: later suites start child processes that inherit process.env.
const restoreEnv: (() => void)[] = [];
import { startFunction, type Running } from '../../../test/support/runtime';

const converted = (values: Record<string, unknown>) =>
  HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.converted.v1', source: 'kiot://demo/device1', subject: 'temperature', application: 'demo', device: 'device1', datacontenttype: 'application/json', data: { records: [{ time: '2026-01-01T00:00:00.000Z', values }] } }));

describe('validator in faas-js-runtime', () => {
  after(() => restoreEnv.splice(0).reverse().forEach((r) => r()));
  let running: Running;
  before(async () => {
    restoreEnv.push(setEnv({ VALIDATOR_SCHEMAS_DIR: `${__dirname}/../schemas` }));
    running = await startFunction(validator);
  });
  after(() => running.close());
  const post = (msg: { headers: object; body: unknown }) => fetch(running.url, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string });

  it('replies validated.v1 with the data unchanged and the schema as dataschema', async () => {
    const res = await post(converted({ temperature: 21.5 }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ce-type'), 'io.kiot.telemetry.validated.v1');
    assert.equal(res.headers.get('ce-dataschema'), 'https://schemas.kiot.io/telemetry/temperature/v1');
    assert.deepEqual(await res.json(), { records: [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 21.5 } }] });
  });

  it('replies rejected.v1 carrying the original data and the errors', async () => {
    const res = await post(converted({ temperature: 'hot' }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ce-type'), 'io.kiot.telemetry.rejected.v1');
    const body = (await res.json()) as { data: unknown; errors: { instancePath: string; keyword: string; message: string }[] };
    assert.deepEqual(body.data, { records: [{ time: '2026-01-01T00:00:00.000Z', values: { temperature: 'hot' } }] });
    assert.deepEqual(body.errors, [{ record: 0, instancePath: '/temperature', keyword: 'type', message: 'must be number' }]);
  });
});
