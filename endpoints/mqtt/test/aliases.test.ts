/** v5 Topic Aliases as a unit: set, used, remapped, and every way a PUBLISH can misuse one. */
import { strict as assert } from 'node:assert';
import { TopicAliases } from '../src/aliases';

describe('mqtt topic aliases', () => {
  it('sets an alias with a topic, resolves it without one, and lets the client map it again', () => {
    const a = new TopicAliases(4);
    assert.deepEqual(a.resolve('temperature', 2), { topic: 'temperature' });
    assert.deepEqual(a.resolve('', 2), { topic: 'temperature' });
    assert.deepEqual(a.resolve('humidity', 2), { topic: 'humidity' });
    assert.deepEqual(a.resolve('', 2), { topic: 'humidity' });
    assert.deepEqual(a.resolve('pressure', undefined), { topic: 'pressure' }, 'no alias: the topic as sent');
  });

  it('refuses alias 0 and one above the advertised maximum (0x94), and an alias never set (0x82)', () => {
    const a = new TopicAliases(4);
    assert.equal((a.resolve('t', 0) as { reason: number }).reason, 0x94);
    assert.equal((a.resolve('t', 5) as { reason: number }).reason, 0x94);
    assert.equal((a.resolve('', 3) as { reason: number }).reason, 0x82);
  });
});
