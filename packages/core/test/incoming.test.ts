import { strict as assert } from 'node:assert';
import { CloudEvent } from 'cloudevents';
import { KiotError, requireCloudEvent } from '../src';

/** The runtime hands a function the SDK's event plus the request as it arrived; the SDK is lenient. */
const binary = { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 'io.kiot.telemetry.raw.v1', 'ce-source': 'kiot://demo/d1', 'content-type': 'application/json' };
const sdkEvent = new CloudEvent({ id: '1', type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/d1', data: { t: 1 } });

describe('requireCloudEvent checks the attributes as they arrived', () => {
  it('takes a valid binary-mode event', () => {
    assert.equal(requireCloudEvent({ cloudevent: sdkEvent, headers: binary }, sdkEvent).id, '1');
  });

  const refused: [string, Record<string, string>, unknown][] = [
    ['binary: a spec version the SDK keeps (0.3)', { ...binary, 'ce-specversion': '0.3' }, undefined],
    ['binary: a time the SDK would replace with now', { ...binary, 'ce-time': 'lunchtime' }, undefined],
    ['binary: an empty id', { ...binary, 'ce-id': '' }, undefined],
    ['binary: an extension name with an underscore', { ...binary, 'ce-bad_name': 'x' }, undefined],
    ['structured: an empty subject', { 'content-type': 'application/cloudevents+json' }, JSON.stringify({ specversion: '1.0', id: '1', type: 't', source: '/s', subject: '' })],
    ['structured: data and data_base64 both', { 'content-type': 'application/cloudevents+json' }, JSON.stringify({ specversion: '1.0', id: '1', type: 't', source: '/s', data: 1, data_base64: 'AA==' })],
    ['structured: a body that is not JSON', { 'content-type': 'application/cloudevents+json; charset=utf-8' }, '{'],
  ];
  for (const [name, headers, body] of refused) {
    it(`answers 400 NOT_A_CLOUDEVENT for ${name}`, () => {
      assert.throws(() => requireCloudEvent({ cloudevent: sdkEvent, headers, body }, sdkEvent), (err: unknown) => err instanceof KiotError && err.code === 400 && err.errorName === 'NOT_A_CLOUDEVENT');
    });
  }

  // The runtime kiot builds hands on, without an event, a request its SDK could not build one from.
  const unreadable: [string, Record<string, string>, unknown, RegExp][] = [
    ['binary without a source', { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't' }, undefined, /invalid CloudEvent: source is required/],
    ['a batch', { 'content-type': 'application/cloudevents-batch+json' }, '[]', /invalid CloudEvent: structured mode body must be a JSON object/],
    ['a plain request', { 'content-type': 'application/json' }, '{}', /^expected a CloudEvent/],
  ];
  for (const [name, headers, body, message] of unreadable) {
    it(`answers 400 NOT_A_CLOUDEVENT naming why, with no event from the runtime: ${name}`, () => {
      assert.throws(() => requireCloudEvent({ headers, body }, body), (err: unknown) => err instanceof KiotError && err.code === 400 && message.test(err.message));
    });
  }
});
