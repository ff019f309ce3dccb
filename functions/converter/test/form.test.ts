/** Form data (application/x-www-form-urlencoded) as simple HTTP clients post readings. */
import { strict as assert } from 'node:assert';
import { convert } from '../src/formats';

const T = '2026-01-01T00:00:00.000Z';
const form = (body: string | Buffer, channel = 'env') => convert({ mediaType: 'application/x-www-form-urlencoded', data: Buffer.isBuffer(body) ? body : Buffer.from(body), time: T, application: 'demo', channel, codecs: {} });
const refusal = (body: string | Buffer): { status?: number; message?: string; headers?: Record<string, string> } => {
  try {
    form(body);
  } catch (err) {
    return err as { status?: number; message?: string };
  }
  assert.fail(`${String(body)} was converted`);
};

describe('converter: form data', () => {
  it('is one reading of numbers, booleans and strings, percent- and plus-decoded', () => {
    const { format, normalized } = form('temperature=21.5&humidity=40&door=true&note=hello+world%21&count=-3e2&code=0x10&label=');
    assert.equal(format, 'form');
    assert.deepEqual(normalized.records, [{ time: T, values: { temperature: 21.5, humidity: 40, door: true, note: 'hello world!', count: -300, code: '0x10', label: '' } }]);
    assert.deepEqual(form('temp%C3%A9rature=1').normalized.records[0]!.values, { 'température': 1 });
  });

  it('takes its own time as a JSON reading does (time, timestamp, ts)', () => {
    assert.deepEqual(form('t=1&time=2026-01-01T00%3A00%3A10Z').normalized.records, [{ time: '2026-01-01T00:00:10.000Z', values: { t: 1 } }]);
    assert.deepEqual(form('t=1&ts=1767225605000').normalized.records, [{ time: '2026-01-01T00:00:05.000Z', values: { t: 1 } }]);
  });

  it('reads JSON sent under the form type as JSON (curl -d without a content type)', () => {
    assert.deepEqual(form('{"temperature": 21.5}').normalized.records, [{ time: T, values: { temperature: 21.5 } }]);
    assert.deepEqual(form(' [{"t": 1}, {"h": 2}]').normalized.records, [{ time: T, values: { t: 1, h: 2 } }]);
  });

  it('refuses (422) what reading would change or lose: a field twice, escapes that are not UTF-8, bytes that are not, no fields', () => {
    const cases: [string | Buffer, RegExp][] = [
      ['t=1&t=2', /the field "t" is given twice/],
      ['note=d%E9faut', /percent-escape that is not UTF-8/], // Latin-1 é, which URLSearchParams reads as U+FFFD
      ['t=%zz', /percent-escape/],
      [Buffer.from('note=d\xe9faut', 'latin1'), /not UTF-8/],
      ['=1', /without a name/],
      ['&&', /no fields/],
      // Not one field named '{"t": 1' with an empty value: broken JSON is refused as such.
      ['{"t": 1', /JSON that does not parse/],
      // JSON as Windows tools write it: the mark is named, not read into a field named '\uFEFF{"t": 1}'.
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"t": 1}')]), /JSON that starts with a byte order mark/],
      [Buffer.from('{"note": "d\xe9faut"}', 'latin1'), /JSON that is not UTF-8/],
      [`{"t":${'['.repeat(100)}${']'.repeat(100)}}`, /nests deeper than 64 levels/],
    ];
    for (const [body, message] of cases) {
      const e = refusal(body);
      assert.equal(e.status, 422, String(body));
      assert.match(e.message ?? '', message, String(body));
    }
    // The dead letter's reason is the JSON format's own, whatever type the body came under.
    assert.equal(refusal(Buffer.from('\ufeff{"t": 1}')).headers?.['kne-reason'], 'json: byte order mark');
    assert.equal(refusal(Buffer.from('{"note": "d\xe9faut"}', 'latin1')).headers?.['kne-reason'], 'json: not UTF-8');
  });
});
