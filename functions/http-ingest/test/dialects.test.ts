import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { chooseDialect } from '../src/dialects';
import { mediaTypeOf, parseJson, type IngestRequest } from '../src/request';
import { reference } from '../../../test/support/reference';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(reference('fixtures/lorawan', name), 'utf8')) as Record<string, unknown>;

function req(body: unknown, type: string | null = 'application/json', query: Record<string, string> = {}): IngestRequest {
  const contentType = type ?? undefined;
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { method: 'POST', query, headers: {}, body: buf, contentType, mediaType: mediaTypeOf(contentType), remote: '' };
}

function envelope(r: IngestRequest) {
  let cache: { v: unknown } | undefined;
  const json = () => (cache ??= { v: parseJson(r.body, 'body') }).v;
  const d = chooseDialect(r, json);
  return { dialect: d.name, ...d.parse(r, json) };
}

describe('http-ingest dialects', () => {
  it('plain: channel from the query, content type as sent, sniffed as JSON when absent', () => {
    const e = envelope(req({ temperature: 21.5 }, null, { channel: 'temperature' }));
    assert.equal(e.dialect, 'plain');
    assert.equal(e.channel, 'temperature');
    assert.equal(e.contentType, 'application/json');
    assert.equal(envelope(req(Buffer.from([0xff, 0x00]), null)).contentType, 'application/octet-stream');
    assert.equal(envelope(req('21.5', 'text/plain; charset=utf-8')).contentType, 'text/plain; charset=utf-8');
    assert.equal(envelope(req({ a: 1 })).channel, 'telemetry');
  });

  it('ttsv3 uplink: recognised by the body, device and application from end_device_ids, metadata as extensions, body whole', () => {
    const body = fixture('theThingsStack.uplink.json');
    const e = envelope(req(body));
    assert.equal(e.dialect, 'ttsv3');
    assert.deepEqual(e.identity, { kind: 'envelope', application: 'app1', device: 'dev1', lorawanApplication: 'app1' });
    assert.deepEqual(e.extensions, { lorawanfport: 1, lorawanreceivedat: '2020-02-12T15:15...', lorawansimulated: true });
    assert.deepEqual(JSON.parse(e.data.toString()), body);
    assert.equal(e.channel, 'uplink');
  });

  it('ttsv3 without decoded_payload and without f_port is still forwarded whole', () => {
    const body = fixture('theThingsStack.uplink.json');
    const up = body['uplink_message'] as Record<string, unknown>;
    delete up['decoded_payload'];
    delete up['f_port'];
    delete body['simulated'];
    const e = envelope(req(body));
    assert.deepEqual(e.extensions, { lorawanreceivedat: '2020-02-12T15:15...' });
    assert.equal(e.ignored, undefined);
  });

  it('ttsv3 message types other than uplinks are answered, not forwarded', () => {
    const e = envelope(req({ end_device_ids: { device_id: 'dev1', application_ids: { application_id: 'app1' } }, join_accept: { session_key_id: 'x' } }));
    assert.equal(e.ignored, 'ttsv3 join_accept');
  });

  it('chirpstack v4: identity from deviceInfo; event=up forwarded, other events ignored', () => {
    const e = envelope(req(fixture('chirpStackV4.uplink.json'), 'application/json', { event: 'up' }));
    assert.equal(e.dialect, 'chirpstack');
    assert.deepEqual(e.identity, { kind: 'envelope', application: 'temperature-sensor', device: 'garden-sensor', lorawanApplication: 'temperature-sensor' });
    assert.deepEqual(e.extensions, { lorawanfport: 5, lorawanreceivedat: '2019-11-08T13:59:25.048445Z' });
    assert.equal(envelope(req(fixture('chirpStackV4.uplink.json'), 'application/json', { event: 'join' })).ignored, 'chirpstack join');
  });

  it('senml: forwarded as sent with its own content type', () => {
    const pack = [{ bn: 'd1/', n: 't', v: 1 }];
    const e = envelope(req(pack, 'application/senml+json'));
    assert.equal(e.dialect, 'senml');
    assert.equal(e.contentType, 'application/senml+json');
    assert.equal(envelope(req(Buffer.from([0x81, 0xa2]), 'application/senml+cbor')).contentType, 'application/senml+cbor');
  });

  const bad: [string, IngestRequest, number][] = [
    ['JSON that does not parse', req('{"t":', 'application/json'), 400],
    // Every stage past the door would fail on it (core nesting.ts): the device hears it now.
    ['JSON nested 65 levels deep', req(`${'['.repeat(65)}${']'.repeat(65)}`, 'application/json'), 400],
    ['JSON nested 6,000 levels deep sent without a content type (sniffed as JSON)', req(`${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`, null), 400],
    ['a senml pack nested 6,000 levels deep', req(`[{"n":"t","v":${'['.repeat(6000)}${']'.repeat(6000)}}]`, 'application/senml+json'), 400],
    ['a The Things Stack uplink whose decoded_payload nests 6,000 levels deep', req(`{"end_device_ids":{"device_id":"d","application_ids":{"application_id":"a"}},"uplink_message":{"decoded_payload":${'['.repeat(6000)}${']'.repeat(6000)}}}`, 'application/json', { dialect: 'ttsv3' }), 400],
    ['an unknown dialect', req({}, 'application/json', { dialect: 'sigfox2' }), 400],
    ['senml declared with another content type', req('[]', 'text/plain', { dialect: 'senml' }), 415],
    ['ttsv3 declared with a non-JSON body', req('x', 'text/plain', { dialect: 'ttsv3' }), 415],
    ['a senml pack that is not an array', req({ n: 'x' }, 'application/senml+json'), 400],
    ['a The Things Stack webhook in Protobuf (X-Tts-Domain, not JSON)', { ...req(Buffer.from([0x0a, 0x0c]), 'application/octet-stream'), headers: { 'x-tts-domain': 'eu1.cloud.thethings.network' } }, 415],
    ['a ChirpStack event in Protobuf (?event=up, not JSON)', req(Buffer.from([0x0a, 0x24, 0x31]), 'application/octet-stream', { event: 'up' }), 415],
    ['a senml CBOR pack that is not an array (a text string)', req(Buffer.from('xyz'), 'application/senml+cbor'), 400],
    ['a senml CBOR pack that is not an array (a map)', req(Buffer.from([0xa1, 0x00, 0x01]), 'application/senml+cbor'), 400],
    ['an empty senml CBOR pack', req(Buffer.alloc(0), 'application/senml+cbor'), 400],
    ['a bad channel name', req({ a: 1 }, 'application/json', { channel: '../etc' }), 400],
    ['an empty body', req('', 'text/plain'), 400],
    ['a ttsv3 uplink without device_id', req({ end_device_ids: { application_ids: { application_id: 'a' } }, uplink_message: {} }), 400],
  ];
  for (const [name, r, status] of bad) it(`answers ${status} for ${name}`, () => assert.throws(() => envelope(r), (e: { status?: number }) => e.status === status));
  it('answers 400 to JSON that is not UTF-8 or starts with a byte order mark, naming which, in every JSON dialect', () => {
    // Latin-1 é: read with U+FFFD in its place it would parse, and "défaut" would be stored as "d\uFFFDfaut".
    const latin1 = Buffer.from('{"status":"d\xe9faut","end_device_ids":{}}', 'latin1');
    const bom = Buffer.from('\ufeff{"t":1}', 'utf8');
    for (const r of [req(latin1, 'application/json'), req(latin1, 'application/json; charset=iso-8859-1'), req(latin1, 'application/json', { dialect: 'ttsv3' }), req(Buffer.from('[{"n":"d\xe9bit","v":1}]', 'latin1'), 'application/senml+json')]) {
      assert.throws(() => envelope(r), (e: { status?: number; message?: string }) => e.status === 400 && e.message === 'body: the body is declared JSON but is not UTF-8, which JSON must be (RFC 8259 §8.1)', r.contentType);
    }
    assert.throws(() => envelope(req(bom, 'application/json')), (e: { status?: number; message?: string }) => e.status === 400 && /^body: the body is declared JSON but starts with a byte order mark/.test(e.message ?? ''));
    // Sent without a content type, JSON after a byte order mark is taken for JSON and the mark named, not forwarded as bytes no codec reads.
    assert.throws(() => envelope(req(bom, null)), (e: { status?: number; message?: string }) => e.status === 400 && /^plain: the body is JSON but starts with a byte order mark/.test(e.message ?? ''));
    // Sent without a content type, such bytes are not sniffed as JSON: forwarded as bytes, for the converter's codecs.
    assert.equal(envelope(req(latin1, null)).contentType, 'application/octet-stream');
    assert.equal(envelope(req(Buffer.from('{"status":"défaut"}', 'utf8'), null)).contentType, 'application/json');
  });

  it('names the nesting in its 400, and takes JSON 64 levels deep', () => {
    assert.throws(() => envelope(req(`${'['.repeat(65)}${']'.repeat(65)}`, null)), (e: { message?: string }) => e.message === 'plain: the body nests deeper than 64 levels of objects and arrays');
    assert.equal(envelope(req(`{"t":1,"x":${'['.repeat(63)}${']'.repeat(63)}}`, 'application/json')).dialect, 'plain');
  });
});
