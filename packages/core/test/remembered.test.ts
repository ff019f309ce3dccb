import { strict as assert } from 'node:assert';
import { remembered } from '../src/remembered';

describe('remembered: names made once, in bounded memory', () => {
  it('makes each name once, an undefined result included, and keeps at most max', () => {
    const made: string[] = [];
    const upper = remembered(3, (k) => {
      made.push(k);
      return k.startsWith('x') ? undefined : k.toUpperCase();
    });
    assert.deepEqual(['a', 'b', 'a', 'xa', 'xa', 'b'].map(upper), ['A', 'B', 'A', undefined, undefined, 'B']);
    assert.deepEqual(made, ['a', 'b', 'xa']);
    // A fourth name: the memory starts over, so an earlier name is made again, once.
    assert.deepEqual(['c', 'a', 'a'].map(upper), ['C', 'A', 'A']);
    assert.deepEqual(made, ['a', 'b', 'xa', 'c', 'a']);
  });
});
