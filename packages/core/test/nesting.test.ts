import { strict as assert } from 'node:assert';
import { MAX_NESTING, nestsDeeperThan, TOO_DEEP } from '../src/nesting';

const arrays = (n: number): unknown => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`);
const objects = (n: number): unknown => JSON.parse(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);

describe('nesting (how deep JSON data may go)', () => {
  it('takes data nested exactly 64 levels and refuses 65, for arrays, objects and both mixed', () => {
    assert.equal(MAX_NESTING, 64);
    for (const [name, make] of [['arrays', arrays], ['objects', objects]] as const) {
      assert.equal(nestsDeeperThan(make(64)), false, `${name} at 64`);
      assert.equal(nestsDeeperThan(make(65)), true, `${name} at 65`);
    }
    const mixed = JSON.parse(`${'[{"k":'.repeat(32)}0${'}]'.repeat(32)}`) as unknown;
    assert.equal(nestsDeeperThan(mixed), false);
    assert.equal(nestsDeeperThan([mixed]), true);
  });

  it('finds the deep branch behind shallow ones, in a later element or key', () => {
    assert.equal(nestsDeeperThan({ a: 1, b: [1, 2, { c: 3 }], z: objects(64) }), true);
    assert.equal(nestsDeeperThan([1, 'x', null, arrays(64)]), true);
    assert.equal(nestsDeeperThan({ records: [{ time: 't', values: { t: 21.5, nested: { x: [1, 2] } } }] }), false);
  });

  it('walks a Map (CBOR with non-string keys) and never into bytes', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = new Map([[i, deep]]);
    assert.equal(nestsDeeperThan(deep), true);
    assert.equal(nestsDeeperThan(new Map([[1, 2]])), false);
    assert.equal(nestsDeeperThan(Buffer.alloc(10_000)), false);
    assert.equal(nestsDeeperThan({ payload: new Uint8Array(100) }), false);
  });

  it('answers for data far past what JSON.stringify can write out, without overflowing itself', () => {
    const deep = arrays(200_000);
    assert.throws(() => JSON.stringify(deep), RangeError);
    assert.equal(nestsDeeperThan(deep), true);
    assert.equal(nestsDeeperThan(objects(200_000)), true);
  });

  it('takes scalars and null, and names the limit in its refusal', () => {
    for (const v of [1, 'x', true, null, undefined]) assert.equal(nestsDeeperThan(v), false);
    assert.equal(TOO_DEEP, 'nests deeper than 64 levels of objects and arrays');
  });
});
