/** A v5 PUBLISH's properties checked as bytes: lengths that hold, identifiers that exist, none given twice. */
import { strict as assert } from 'node:assert';
import { propertyBytesProblem } from '../src/property-bytes';

/** Properties after their length (a one-byte Variable Byte Integer), then a payload. */
const laid = (length: number, rest: readonly number[]): Buffer => Buffer.from([length, ...rest]);
const str = (s: string): number[] => [0x00, s.length, ...Buffer.from(s)];

describe('mqtt v5 PUBLISH properties as bytes', () => {
  const payload = [...Buffer.from('{"t":1}')];
  const cases: [string, Buffer, number | undefined][] = [
    ['none', laid(0, payload), undefined],
    ['a Message Expiry Interval', laid(5, [0x02, 0, 0, 0, 60, ...payload]), undefined],
    ['each kind of layout: byte, four bytes, string, binary, two bytes, pair', laid(2 + 5 + 6 + 4 + 3 + 7, [0x01, 1, 0x02, 0, 0, 0, 9, 0x03, ...str('a/b'), 0x09, ...str('x'), 0x23, 0, 1, 0x26, ...str('k'), ...str('v')]), undefined],
    ['two User Properties of one name', laid(14, [0x26, ...str('k'), ...str('v'), 0x26, ...str('k'), ...str('w')]), undefined],
    ['a Subscription Identifier, a Variable Byte Integer of two bytes', laid(3, [0x0b, 0x80, 0x01]), undefined],
    ['a property cut by the Property Length', laid(3, [0x02, 0, 0, 0, 60, ...payload]), 0x81],
    ['a last property whose value is past the Property Length', laid(6, [0x02, 0, 0, 0, 60, 0x01, 0x00, ...payload]), 0x81],
    ['a string whose length runs past the Property Length', laid(5, [0x03, 0x00, 0x09, 0x61, 0x62, ...payload]), 0x81],
    ['a Variable Byte Integer value not ended', laid(3, [0x0b, 0x80, 0x80]), 0x81],
    ['a Property Length past the packet', laid(20, [0x02, 0, 0, 0, 60]), 0x81],
    ['no Property Length at all', Buffer.alloc(0), 0x81],
    ['an identifier MQTT 5 does not have', laid(2, [0x04, 0x00, ...payload]), 0x81],
    ['the Payload Format Indicator twice, 0 first (mqtt-packet keeps the second)', laid(4, [0x01, 0x00, 0x01, 0x01, ...payload]), 0x82],
    ['the Content Type twice', laid(8, [0x03, ...str('a'), 0x03, ...str('b')]), 0x82],
  ];
  for (const [name, bytes, reason] of cases) {
    it(`${name}: ${reason === undefined ? 'as laid out' : `0x${reason.toString(16)}`}`, () => {
      assert.equal(propertyBytesProblem(bytes, 0, bytes.length)?.reason, reason);
    });
  }

  it('reads from where the Property Length is, to the end it is given, and names what is wrong', () => {
    const framed = Buffer.from([0xaa, 0xbb, 5, 0x02, 0, 0, 0, 60, 0xcc]);
    assert.equal(propertyBytesProblem(framed, 2, framed.length), undefined);
    assert.equal(propertyBytesProblem(framed, 2, 7)?.message, 'property length past the end of the packet');
    assert.equal(propertyBytesProblem(laid(2, [0x04, 0x00]), 0, 3)?.message, 'unknown property 0x4');
    assert.equal(propertyBytesProblem(laid(4, [0x01, 0x00, 0x01, 0x01]), 0, 5)?.message, 'property 0x1 given more than once');
    assert.equal(propertyBytesProblem(laid(6, [0x02, 0, 0, 0, 60, 0x01, 0x00]), 0, 8)?.message, 'a property runs past the property length');
  });
});
