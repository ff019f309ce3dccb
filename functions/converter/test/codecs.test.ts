import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { encode } from 'cbor';
import { CODECS, CODEC_NAMES, decodeWith, selectCodec, type CodecName } from '../src/codecs';
import { convert } from '../src/formats';
import { rawInput } from '../src/payload';
import { CloudEvent } from 'cloudevents';
import { decodeLpp, LppError, LPP_TYPES } from '../src/lpp';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('Cayenne LPP', () => {
  const worked: [string, Record<string, unknown>][] = [
    ['03 67 01 10 05 67 00 FF', { temperature_3: 27.2, temperature_5: 25.5 }],
    ['01 67 FF D7', { temperature_1: -4.1 }],
    ['06 71 04 D2 FB 2E 00 00', { accelerometer_6: { x: 1.234, y: -1.234, z: 0 } }],
    ['01 88 06 76 5F F2 96 0A 00 03 E8', { gps_1: { latitude: 42.3519, longitude: -87.9094, altitude: 10 } }],
    ['02 68 50', { humidity_2: 40 }],
  ];
  for (const [h, expected] of worked) it(`decodes the worked example ${h}`, () => assert.deepEqual(decodeLpp(hex(h)), expected));

  // One record per type, value bytes 0x01…: checks size and scale of the whole table.
  const table: [number, string, unknown][] = [
    [0, 'digital_input', 1], [1, 'digital_output', 1], [2, 'analog_input', 2.58], [3, 'analog_output', 2.58], [100, 'generic_sensor', 16909060],
    [101, 'illuminance', 258], [102, 'presence', 1], [103, 'temperature', 25.8], [104, 'humidity', 0.5], [113, 'accelerometer', { x: 0.258, y: 0.772, z: 1.286 }],
    [115, 'barometer', 25.8], [116, 'voltage', 2.58], [117, 'current', 0.258], [118, 'frequency', 16909060], [120, 'percentage', 1], [121, 'altitude', 258],
    [125, 'concentration', 258], [128, 'power', 258], [130, 'distance', 16909.06], [131, 'energy', 16909.06], [132, 'direction', 258], [133, 'unixtime', 16909060],
    [134, 'gyrometer', { x: 2.58, y: 7.72, z: 12.86 }], [135, 'colour', { r: 1, g: 2, b: 3 }], [136, 'gps', { latitude: 6.6051, longitude: 26.3430, altitude: 4608.09 }], [142, 'switch', 1],
  ];
  it('knows every type of the table', () => assert.deepEqual(Object.keys(LPP_TYPES).map(Number).sort((a, b) => a - b), table.map((t) => t[0]).sort((a, b) => a - b)));
  for (const [type, name, value] of table) {
    it(`decodes ${name} (0x${type.toString(16)})`, () => {
      const size = LPP_TYPES[type]!.size;
      const payload = Buffer.from([7, type, ...Array.from({ length: size }, (_, i) => i + 1)]);
      assert.deepEqual(decodeLpp(payload), { [`${name}_7`]: value });
    });
  }

  for (const [name, h, msg] of [['a record cut short', '03 67 01', /cut short at offset 0/], ['an unknown type', '03 FF 01', /unknown type 0xff at offset 1/], ['an empty payload', '', /empty/], ['a lone channel byte', '03 67 01 10 05', /cut short at offset 4/], ['two readings of one type on one channel (one would overwrite the other)', '03 67 01 10 03 67 01 11', /channel 3 has two temperature readings \(offset 4\)/]] as const) {
    it(`refuses ${name} with the offset`, () => assert.throws(() => decodeLpp(hex(h)), (e: Error) => e instanceof LppError && msg.test(e.message)));
  }
});

describe('codecs', () => {
  it('decodes CBOR maps, keeping bytes as base64 and dates as RFC 3339', () => {
    assert.deepEqual(CODECS.cbor(Buffer.from(encode({ temperature: 21.5, raw: new Uint8Array([1, 2]), on: true }))), { temperature: 21.5, raw: 'AQI=', on: true });
    assert.deepEqual(CODECS.cbor(Buffer.from(encode(42))), { value: 42 });
  });

  it('keeps raw payloads as hex or base64', () => {
    assert.deepEqual(CODECS['raw-hex'](hex('0a0b')), { raw: '0a0b' });
    assert.deepEqual(CODECS['raw-base64'](hex('0a0b')), { raw: 'Cgs=' });
  });

  it('chooses the most specific codec: app/channel/fport, app/channel, app//fport, app, *', () => {
    const table = { '*': 'raw-hex', demo: 'cbor', 'demo//2': 'lpp', 'demo/uplink': 'json', 'demo/uplink/3': 'raw-base64' } as const;
    assert.equal(selectCodec(table, { application: 'demo', channel: 'uplink', fPort: 3 }), 'raw-base64');
    assert.equal(selectCodec(table, { application: 'demo', channel: 'uplink', fPort: 2 }), 'json');
    assert.equal(selectCodec(table, { application: 'demo', channel: 'other', fPort: 2 }), 'lpp');
    assert.equal(selectCodec(table, { application: 'demo', channel: 'other' }), 'cbor');
    assert.equal(selectCodec(table, { application: 'x', channel: 'y' }), 'raw-hex');
    assert.equal(selectCodec({}, { application: 'x', channel: 'y' }), undefined);
  });

  it('decodes SenML in CBOR (integer labels, RFC 8428 §6)', () => {
    const pack = [new Map<number, unknown>([[-2, 'd1/'], [0, 't'], [2, 21.5], [6, 1.7e9]])];
    const { format, normalized } = convert({ mediaType: 'application/senml+cbor', data: Buffer.from(encode(pack)), time: '2026-01-01T00:00:00Z', application: 'demo', channel: 'c', codecs: {} });
    assert.equal(format, 'senml-cbor');
    assert.deepEqual(normalized.records, [{ time: '2023-11-14T22:13:20.000Z', values: { 'd1/t': 21.5 } }]);
  });

  it('answers 422 naming the nesting for a payload nested thousands deep (cbor, json), never a stack overflow', () => {
    const deep: [CodecName, Buffer][] = [
      ['cbor', Buffer.concat([Buffer.from([0xa1, 0x61, 0x78]), Buffer.alloc(6000, 0x81), Buffer.from([0x01])])],
      ['json', Buffer.from(`{"x":${'['.repeat(6000)}${']'.repeat(6000)}}`)],
    ];
    for (const [codec, payload] of deep) {
      assert.throws(() => decodeWith(codec, payload, 'frm_payload'), (e: { status?: number; message?: string }) => e.status === 422 && /nests deeper than 64 levels/.test(e.message ?? ''), codec);
    }
  });

  it('answers 422 to JSON that is not UTF-8, through the json codec and as data declared JSON, where its letters became U+FFFD', () => {
    const latin1 = Buffer.from('{"status":"d\xe9faut"}', 'latin1');
    assert.throws(() => decodeWith('json', latin1, 'frm_payload'), (e: { status?: number; message?: string }) => e.status === 422 && e.message === 'frm_payload: json: is not UTF-8, which JSON must be (RFC 8259 §8.1)');
    // Data as the runtime kiot bundles hands it on: the bytes (scripts/build.mjs).
    const event = new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/d1', subject: 'status', datacontenttype: 'application/json', data: latin1 });
    assert.throws(() => rawInput(event, {}), (e: { status?: number; message?: string; reason?: string }) => e.status === 422 && e.message === 'data declared application/json is not UTF-8, which JSON must be (RFC 8259 §8.1)');
    assert.deepEqual(rawInput(new CloudEvent({ ...event, data: Buffer.from('{"status":"défaut"}') }), {}).data, { status: 'défaut' });
  });

  it('answers 422, never throws anything else, for random bytes through every codec (fuzz, 2,000 cases each)', () => {
    for (const codec of CODEC_NAMES) {
      for (let i = 0; i < 2000; i++) {
        const payload = randomBytes(i % 40);
        try {
          decodeWith(codec, payload, 'fuzz');
        } catch (err) {
          assert.equal((err as { status?: number }).status, 422, `${codec} ${payload.toString('hex')}: ${(err as Error).message}`);
        }
      }
    }
  });
});
