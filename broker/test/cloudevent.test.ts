import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryHeaders } from '@kiot/core';
import { fromHttp, InvalidEvent } from '../src/cloudevent';
import { reference } from '../../test/support/reference';

const VECTORS = reference('cloudevents-conformance/format/json');
interface Vector { id: string; event: Record<string, unknown>; testType?: string }
const load = (f: string) => JSON.parse(readFileSync(join(VECTORS, f), 'utf8')) as { tests: Vector[] };
const structured = (event: unknown) => fromHttp({ 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify(event)));

describe('broker CloudEvent parsing: official conformance vectors (JSON format, structured mode)', () => {
  for (const v of load('valid-events.json').tests) {
    it(`accepts ${v.id}`, () => {
      const ev = structured(v.event);
      assert.equal(ev.attributes['id'], v.event['id']);
      assert.equal(ev.attributes['type'], v.event['type']);
    });
  }
  for (const v of load('invalid-events.json').tests) {
    it(`refuses ${v.id}`, () => assert.throws(() => structured(v.event), InvalidEvent));
  }
});

describe('broker CloudEvent parsing: binary mode', () => {
  const base = { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'ce-source': '/s' };

  it('keeps the data bytes and the content type exactly, and round-trips the headers', () => {
    const body = Buffer.from([0, 1, 2, 255]);
    const ev = fromHttp({ ...base, 'content-type': 'application/octet-stream', 'ce-device': 'd%C3%A9vice' }, body);
    assert.deepEqual(ev.data, body);
    assert.equal(ev.attributes['device'], 'dévice');
    const headers = binaryHeaders(ev.attributes);
    assert.equal(headers['content-type'], 'application/octet-stream');
    assert.equal(headers['ce-device'], 'd%C3%A9vice');
  });

  const bad: [string, Record<string, string>][] = [
    ['no ce-* headers at all', { 'content-type': 'application/json' }],
    ['a missing source', { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't' }],
    ['specversion 0.3', { ...base, 'ce-specversion': '0.3' }],
    ['a time that is not RFC 3339 (the SDK would silently replace it)', { ...base, 'ce-time': 'lunchtime' }],
    ['an extension name with a dash', { ...base, 'ce-my-ext': 'x' }],
    ['a batch', { 'content-type': 'application/cloudevents-batch+json' }],
  ];
  for (const [name, headers] of bad) it(`refuses ${name}`, () => assert.throws(() => fromHttp(headers, Buffer.from('[]')), InvalidEvent));
});
