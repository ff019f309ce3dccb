/** The inbox alone: packets in order, one at a time; reading paused while there is no room, and released once. */
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import { InflightBudget } from '../src/budget';
import { Inbox } from '../src/inbox';

const publish = (n: number, bytes = 10): Packet => ({ cmd: 'publish', topic: 't', payload: Buffer.alloc(bytes, n), qos: 1, messageId: n, retain: false, dup: false });

function setup(budgetBytes = 1000) {
  const socket = new PassThrough();
  socket.resume();
  const handled: number[] = [];
  let room = true;
  let released = 0;
  let running = 0;
  const budget = new InflightBudget(budgetBytes);
  const inbox = new Inbox({
    socket,
    budget,
    handle: async (p) => {
      running++;
      assert.equal(running, 1, 'one packet at a time');
      await new Promise((r) => setTimeout(r, 5));
      handled.push((p as { messageId: number }).messageId);
      running--;
    },
    hasRoom: () => room,
    closing: () => false,
    released: () => released++,
    failed: () => assert.fail('no packet handler threw'),
  });
  return { socket, inbox, budget, handled, setRoom: (r: boolean) => (room = r), released: () => released };
}

describe('mqtt inbox', () => {
  it('handles packets one at a time in the order they came, and reads on when done', async () => {
    const { socket, inbox, handled } = setup();
    for (const n of [1, 2, 3]) inbox.push(publish(n));
    void inbox.drain();
    void inbox.drain(); // a second drain while one runs is the same drain
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(handled, [1, 2, 3]);
    assert.equal(socket.isPaused(), false);
  });

  it('pauses reading while the session has no room, is held (not silent) meanwhile, and releases once', async () => {
    const { socket, inbox, handled, setRoom, released } = setup();
    setRoom(false);
    inbox.push(publish(1));
    await inbox.drain();
    assert.deepEqual([handled.length, socket.isPaused(), inbox.held], [0, true, true]);
    setRoom(true);
    await inbox.drain();
    assert.deepEqual([handled, socket.isPaused(), inbox.held, released()], [[1], false, false, 1]);
  });

  it('waits for the shared budget and is woken when bytes are given back', async () => {
    const { socket, inbox, budget, handled } = setup(100);
    budget.take(80);
    inbox.push(publish(1, 50));
    await inbox.drain();
    assert.deepEqual([handled.length, socket.isPaused()], [0, true]);
    budget.give(80);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual([handled, socket.isPaused()], [[1], false]);
  });

  it('reads nothing more once stopped, even when a drain finishes', async () => {
    const { socket, inbox } = setup();
    inbox.stop();
    inbox.push(publish(1));
    await inbox.drain();
    assert.equal(socket.isPaused(), true);
  });
});
