import { strict as assert } from 'node:assert';
import { parseRecordData, PoisonRecord, recordEvent, recordEventUnparsed, type RawRecord } from '../src';

const binary = (headers: Record<string, string>, value: string | Buffer | null = '{"records":[]}'): RawRecord => ({
  key: Buffer.from('demo/d1'),
  value: value === null ? null : Buffer.from(value),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  timestamp: '0',
});
const ce = { ce_specversion: '1.0', ce_id: '1', ce_type: 'io.kiot.telemetry.validated.v1', ce_source: 'kiot://demo/d1', ce_device: 'd1', 'content-type': 'application/json' };

describe('recordEvent reads Kafka records as the Knative Kafka broker writes them', () => {
  it('binary mode: ce_* headers are the attributes, JSON data is decoded', () => {
    const ev = recordEvent(binary(ce));
    assert.equal(ev.type, 'io.kiot.telemetry.validated.v1');
    assert.equal(ev['device'], 'd1');
    assert.deepEqual(ev.data, { records: [] });
  });

  it('binary mode: header names in any case, read the same every time; headers that are no attribute are left alone', () => {
    const headers = { CE_SPECVERSION: '1.0', Ce_Id: '1', ce_type: 'io.kiot.telemetry.validated.v1', CE_Source: 'kiot://demo/d1', ce_device: 'd1', 'Content-Type': 'application/json', traceparent: 'not an attribute', ce: 'no prefix either' };
    for (let i = 0; i < 3; i++) {
      const ev = recordEvent(binary(headers));
      assert.deepEqual({ ...ev }, { specversion: '1.0', id: '1', type: 'io.kiot.telemetry.validated.v1', source: 'kiot://demo/d1', device: 'd1', datacontenttype: 'application/json', data: { records: [] } });
    }
    // The lower-case names of another record mean the same attributes.
    assert.equal(recordEvent(binary({ ...ce, ce_id: '2' })).id, '2');
  });

  it('binary mode: data of another content type stays bytes', () => {
    assert.deepEqual(recordEvent(binary({ ...ce, 'content-type': 'application/octet-stream' }, 'AB')).data, Buffer.from('AB'));
  });

  it('unparsed: only the JSON data of a binary record is left as bytes, to be parsed as recordEvent parses it', () => {
    const all = () => true;
    const read = recordEventUnparsed(binary(ce, '{"records":[1]}'), all)!;
    assert.deepEqual(read.json, Buffer.from('{"records":[1]}'));
    assert.equal(read.event.data, undefined);
    assert.equal(read.event['device'], 'd1');
    assert.deepEqual(parseRecordData(read.json!), { records: [1] });
    assert.throws(() => parseRecordData(Buffer.from('{not json')), (e: Error) => e instanceof PoisonRecord && e.message === 'not a CloudEvent: the data is not JSON');
    // Latin-1 would parse once its bytes were replaced by U+FFFD: a poison record saying why, not a reading with its text changed.
    assert.throws(() => parseRecordData(Buffer.from('{"status":"d\xe9faut"}', 'latin1')), (e: Error) => e instanceof PoisonRecord && e.message === 'not a CloudEvent: the data is not JSON: it is not UTF-8, which JSON must be (RFC 8259 §8.1)');
    assert.throws(() => recordEvent(binary(ce, Buffer.from('{"status":"d\xe9faut"}', 'latin1'))), PoisonRecord);
    // Bytes of another type, structured data (data_base64 included) and no data at all: as recordEvent reads them, with no json.
    const doc = { specversion: '1.0', id: '1', type: 't', source: '/s', datacontenttype: 'application/json' };
    for (const r of [binary({ ...ce, 'content-type': 'application/octet-stream' }, 'AB'), binary({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ ...doc, data: { a: 1 } })), binary({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ ...doc, data_base64: 'e30=' })), binary(ce, null)]) {
      const u = recordEventUnparsed(r, all)!;
      assert.equal(u.json, undefined);
      assert.deepEqual(u.event, recordEvent(r));
    }
    // A type the reader refuses is still skipped before anything else is read.
    assert.equal(recordEventUnparsed(binary(ce, '{not json'), () => false), undefined);
  });

  it('structured mode: data or data_base64', () => {
    const doc = { specversion: '1.0', id: '1', type: 't', source: '/s', subject: 'temperature' };
    assert.deepEqual(recordEvent(binary({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ ...doc, data: { a: 1 } }))).data, { a: 1 });
    assert.deepEqual(recordEvent(binary({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ ...doc, data_base64: 'AAE=' }))).data, Buffer.from([0, 1]));
  });

  it('binary mode: a record with no value (null or empty) is an event without data, as the Knative Kafka broker writes one', () => {
    for (const value of [null, '']) {
      const ev = recordEvent(binary({ ...ce, ce_type: 'io.kiot.telemetry.raw.v1' }, value));
      assert.equal(ev.type, 'io.kiot.telemetry.raw.v1');
      assert.equal(ev.data, undefined);
    }
  });

  it('with a type filter, a record of a refused type is undefined before its data or attributes are read; a wanted one is read as before', () => {
    const seen: string[] = [];
    const onlyValidated = (type: string): boolean => {
      seen.push(type);
      return type === 'io.kiot.telemetry.validated.v1';
    };
    // A device's raw payload declared JSON that is not, and a raw event with a bad time: poison to a reader of raw events, nothing to this one.
    const raw = { ...ce, ce_type: 'io.kiot.telemetry.raw.v1' };
    for (const r of [binary(raw, '{'), binary({ ...raw, ce_time: 'lunchtime' })]) {
      assert.throws(() => recordEvent(r), PoisonRecord);
      assert.equal(recordEvent(r, onlyValidated), undefined);
    }
    const structured = binary({ 'content-type': 'application/cloudevents+json' }, JSON.stringify({ specversion: '1.0', id: '1', type: 'io.kiot.telemetry.raw.v1', source: '/s', time: 'lunchtime' }));
    assert.equal(recordEvent(structured, onlyValidated), undefined);
    assert.deepEqual(recordEvent(binary(ce), onlyValidated)?.data, { records: [] });
    assert.deepEqual(seen, ['io.kiot.telemetry.raw.v1', 'io.kiot.telemetry.raw.v1', 'io.kiot.telemetry.raw.v1', 'io.kiot.telemetry.validated.v1']);
    // What is no CloudEvent, or has no type to decide by, is still poison.
    assert.throws(() => recordEvent(binary({ 'content-type': 'application/json' }), onlyValidated), /no ce_specversion/);
    assert.throws(() => recordEvent(binary({ ce_specversion: '1.0', ce_id: '1', ce_source: '/s' }), onlyValidated), /invalid CloudEvent: type/);
    assert.throws(() => recordEvent(binary({ ...ce, ce_time: 'lunchtime' }), onlyValidated), /invalid CloudEvent: time/);
  });

  it('with a type filter, a binary record of a refused type is skipped on its ce_type header alone; a structured one on the type in its value', () => {
    const onlyValidated = (type: string): boolean => type === 'io.kiot.telemetry.validated.v1';
    // A header that cannot be read: a skipped record must not need it.
    const unreadable = { toString: () => { throw new Error('read'); } } as unknown as Buffer;
    for (const typeHeader of ['ce_type', 'CE_TYPE', 'Ce_Type']) {
      const r: RawRecord = { key: null, value: Buffer.from('{'), headers: { ce_specversion: unreadable, ce_id: unreadable, [typeHeader]: Buffer.from('io.kiot.telemetry.raw.v1'), 'content-type': Buffer.from('application/json') }, timestamp: '0' };
      assert.equal(recordEvent(r, onlyValidated), undefined, typeHeader);
      assert.throws(() => recordEvent(r), /read/);
    }
    // A structured record is its value: a stray ce_type header does not decide for it.
    const doc = { specversion: '1.0', id: '1', type: 'io.kiot.telemetry.validated.v1', source: '/s', data: { records: [] } };
    const structured = binary({ 'Content-Type': 'application/cloudevents+json', ce_type: 'io.kiot.telemetry.raw.v1' }, JSON.stringify(doc));
    assert.deepEqual(recordEvent(structured, onlyValidated)?.data, { records: [] });
  });

  const poison: [string, RawRecord, RegExp][] = [
    ['no value and no ce_specversion', binary({}, null), /not a CloudEvent/],
    ['a structured record with no value', binary({ 'content-type': 'application/cloudevents+json' }, null), /structured mode record has no value/],
    ['no ce_specversion', binary({ 'content-type': 'application/json' }), /not a CloudEvent/],
    ['a time that is not RFC 3339', binary({ ...ce, ce_time: 'lunchtime' }), /invalid CloudEvent: time/],
    ['another spec version', binary({ ...ce, ce_specversion: '0.3' }), /invalid CloudEvent: specversion/],
    ['data declared JSON that does not parse', binary(ce, '{'), /data is not JSON/],
    ['a batch', binary({ 'content-type': 'application/cloudevents-batch+json' }, '[]'), /batched/],
    ['a structured value that is not an object', binary({ 'content-type': 'application/cloudevents+json' }, '[1]'), /JSON object/],
  ];
  for (const [name, record, reason] of poison) {
    it(`is poison with its reason: ${name}`, () => assert.throws(() => recordEvent(record), (err: unknown) => err instanceof PoisonRecord && reason.test(err.message)));
  }
});
