import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryHeaderLines } from '@kiot/core';
import { headersOf } from '../../test/support/header-lines';
import { fromHttp, InvalidEvent, toStructured } from '../src/cloudevent';
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
    const headers = headersOf(binaryHeaderLines(ev.attributes));
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

describe('broker CloudEvent parsing: data nested deeper than JSON.stringify can write out', () => {
  const nested = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  const envelope = (data: string) => Buffer.from(`{"specversion":"1.0","id":"1","type":"t","source":"/s","data":${data}}`);

  it('refuses structured data past 1,000 levels (as Jackson, the Kafka broker\'s reader, does) with 400, not a 500', () => {
    assert.throws(() => fromHttp({ 'content-type': 'application/cloudevents+json' }, envelope(nested(6000))), (e: Error) => e instanceof InvalidEvent && /data nests deeper than 1000 levels/.test(e.message));
    assert.equal(fromHttp({ 'content-type': 'application/cloudevents+json' }, envelope(nested(1000))).data?.toString(), nested(1000));
  });

  it('writes such binary-mode data to a sink as its bytes (data_base64), so the line can be written at all', () => {
    const body = Buffer.from(nested(6000));
    const out = toStructured(fromHttp({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'ce-source': '/s', 'content-type': 'application/json' }, body));
    assert.equal(out['data'], undefined);
    assert.equal(Buffer.from(out['data_base64'] as string, 'base64').toString(), body.toString());
    assert.doesNotThrow(() => JSON.stringify(out));
    const shallow = toStructured(fromHttp({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'ce-source': '/s', 'content-type': 'application/json' }, Buffer.from('{"t":[1]}')));
    assert.deepEqual(shallow['data'], { t: [1] });
  });
});

describe('broker CloudEvent parsing: JSON that is not UTF-8', () => {
  const LATIN1 = Buffer.from('{"status":"d\xe9faut"}', 'latin1');

  it('refuses a structured event whose body is not UTF-8 (400), where its strings were read with U+FFFD', () => {
    const body = Buffer.concat([Buffer.from('{"specversion":"1.0","id":"1","type":"t","source":"/s","data":'), LATIN1, Buffer.from('}')]);
    assert.throws(() => fromHttp({ 'content-type': 'application/cloudevents+json' }, body), (e: Error) => e instanceof InvalidEvent && e.message === 'structured mode body is not JSON: it is not UTF-8, which JSON must be (RFC 8259 §8.1)');
  });

  it('writes binary-mode data declared JSON that is not UTF-8 to a sink as its bytes, not as text with U+FFFD', () => {
    const out = toStructured(fromHttp({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'ce-source': '/s', 'content-type': 'application/json' }, LATIN1));
    assert.equal(out['data'], undefined);
    assert.equal(Buffer.from(out['data_base64'] as string, 'base64').toString('hex'), LATIN1.toString('hex'));
  });
});
