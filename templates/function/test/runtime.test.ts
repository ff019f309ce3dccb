import { strict as assert } from 'node:assert';
import { CloudEvent, HTTP } from 'cloudevents';
import * as fn from '../src/index';
import { startFunction, type Running } from '../../../test/support/runtime';

describe('__NAME__ in faas-js-runtime', () => {
  let running: Running;
  before(async () => { running = await startFunction(fn); });
  after(() => running.close());

  it('replies to a CloudEvent with its own type, keeping the device identity', async () => {
    const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.validated.v1', source: 'kiot://demo/device1', subject: 'temperature', application: 'demo', device: 'device1', data: { temperature: 21.5 } }));
    const res = await fetch(running.url, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ce-type'), 'io.kiot.__NAME__.v1');
    assert.equal(res.headers.get('ce-source'), 'kiot://demo/device1');
    assert.equal(res.headers.get('ce-device'), 'device1');
    const body = (await res.json()) as { received: unknown };
    assert.deepEqual(body.received, { temperature: 21.5 });
  });

  it('answers 400 (dead-lettered, not retried) to a request that is not a CloudEvent', async () => {
    const res = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"temperature":1}' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'NOT_A_CLOUDEVENT');
  });
});
