import { strict as assert } from 'node:assert';
import { jsonBytesProblem, NotJson, parseJsonBytes, sniffedJson } from '../src/json-bytes';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const refusal = (bytes: Buffer): NotJson => {
  try {
    parseJsonBytes(bytes);
  } catch (err) {
    assert.ok(err instanceof NotJson, `${String(err)} is a NotJson`);
    return err;
  }
  assert.fail(`${bytes.toString('hex')} was parsed`);
};

describe('json-bytes (JSON as RFC 8259 §8.1 has it exchanged)', () => {
  it('parses UTF-8 JSON, non-ASCII text included, to what JSON.parse makes of it', () => {
    for (const text of ['{"status": "défaut", "t": 21.5}', '[1, "温度", "😀"]', '21.5', '"\\ud83d\\ude00"', ' {"a": null} ']) {
      assert.deepEqual(parseJsonBytes(Buffer.from(text, 'utf8')), JSON.parse(text));
      assert.equal(jsonBytesProblem(Buffer.from(text, 'utf8')), undefined);
    }
  });

  it('refuses bytes that are not UTF-8, which Buffer.toString would have read as U+FFFD and JSON.parse taken', () => {
    const cases = [
      latin1('{"status": "défaut"}'), // Latin-1 é
      Buffer.from('{"t": "\xed\xa0\x80"}', 'latin1'), // a surrogate written as UTF-8 (CESU-8)
      Buffer.from('{"t": "\xc0\xaf"}', 'latin1'), // an overlong '/'
      Buffer.from('{"t": "\xe2\x82"}', 'latin1'), // a sequence cut short
      Buffer.from('{"\xff": 1}', 'latin1'), // a byte UTF-8 never has
    ];
    for (const bytes of cases) {
      // What was taken before: the replaced text parses.
      assert.doesNotThrow(() => JSON.parse(bytes.toString('utf8')), bytes.toString('hex'));
      const e = refusal(bytes);
      assert.equal(e.short, 'not UTF-8');
      assert.equal(e.message, 'is not UTF-8, which JSON must be (RFC 8259 §8.1)');
      assert.equal(e.detail, ': it is not UTF-8, which JSON must be (RFC 8259 §8.1)');
    }
  });

  it('names a byte order mark, which JSON.parse refuses as a bad token', () => {
    const e = refusal(Buffer.from('\ufeff{"t": 21.5}', 'utf8'));
    assert.equal(e.short, 'byte order mark');
    assert.match(e.message, /^starts with a byte order mark/);
    // Only at the start: U+FEFF inside a string is a character like any other.
    assert.deepEqual(parseJsonBytes(Buffer.from('{"t": "\ufeff"}', 'utf8')), { t: '\ufeff' });
  });

  it('says only that UTF-8 which is no JSON does not parse', () => {
    for (const text of ['{not json', '', 'ON', '{"a": 1,}', 'NaN']) {
      const e = refusal(Buffer.from(text, 'utf8'));
      assert.equal(e.short, 'does not parse');
      assert.equal(e.detail, '');
    }
  });

  it('sniffs as JSON what parses, giving its value, or would but for a byte order mark, naming the mark; never bytes that are not UTF-8', () => {
    assert.deepEqual(sniffedJson(Buffer.from('{"t": 1}')), { value: { t: 1 } });
    assert.deepEqual(sniffedJson(Buffer.from('21.5')), { value: 21.5 });
    assert.deepEqual(sniffedJson(Buffer.from('null')), { value: null });
    const marked = sniffedJson(Buffer.from('\ufeff{"t": 1}', 'utf8'));
    assert.ok(marked !== undefined && 'mark' in marked && marked.mark.short === 'byte order mark');
    for (const bytes of [Buffer.from('ON'), Buffer.from('\ufeffON', 'utf8'), Buffer.from('{"status": "d\xe9faut"}', 'latin1'), Buffer.alloc(0)]) {
      assert.equal(sniffedJson(bytes), undefined, bytes.toString('hex'));
    }
  });
});
