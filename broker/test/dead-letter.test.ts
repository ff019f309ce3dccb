/** The end of a failed delivery, as a unit: the dead-letter sink's attempts and backoff, what the dead event carries, and drops. */
import { strict as assert } from 'node:assert';
import type { Attempt, Deliverable } from '../src/attempt';
import type { BrokerEvent } from '../src/cloudevent';
import { deadLetter } from '../src/dead-letter';
import type { Lane } from '../src/lanes';

const subscriber: Deliverable = { url: 'http://converter.kiot.svc/' };
const lane = (deadLetterSink: Deliverable | undefined): Lane => ({
  trigger: { namespace: 'ns', name: 't', broker: 'b', matches: () => true, subscriber: { uri: subscriber.url }, delivery: {} },
  delivery: { backoffPolicy: 'linear', backoffDelayMs: 100, timeoutMs: 5000 },
  subscriber,
  deadLetter: deadLetterSink,
  queue: [],
  active: 0,
  counters: { accepted: 1, delivered: 0, retried: 0, deadLettered: 0, dropped: 0 },
});
const event: BrokerEvent = { attributes: { specversion: '1.0', id: 'e-1', type: 'in.v1', source: '/d', datacontenttype: 'application/json' }, data: Buffer.from('{"password":"s3cret"}') };
const refused: Attempt = { ok: false, status: 422, headers: { 'kne-reason': 'json: unexpected end' }, body: Buffer.from('bad') };
const answer = (ok: boolean): Attempt => ({ ok, status: ok ? 202 : 500, headers: {}, body: Buffer.alloc(0) });

function io(answers: boolean[]) {
  const sent: { target: Deliverable; event: BrokerEvent }[] = [];
  const slept: number[] = [];
  const logged: Record<string, unknown>[] = [];
  return {
    sent, slept, logged,
    io: {
      send: async (target: Deliverable, e: BrokerEvent) => {
        sent.push({ target, event: e });
        return answer(answers[sent.length - 1] ?? false);
      },
      sleep: async (ms: number) => void slept.push(ms),
      log: (line: Record<string, unknown>) => void logged.push(line),
    },
  };
}

describe('broker dead letters', () => {
  const dls: Deliverable = { url: 'http://dls.kiot.svc/' };

  it('sends the event with why it failed to the dead-letter sink, and counts it', async () => {
    const t = io([true]);
    const l = lane(dls);
    await deadLetter(l, event, refused, t.io);
    assert.equal(t.sent.length, 1);
    assert.deepEqual(t.sent[0]!.target, dls);
    const attrs = t.sent[0]!.event.attributes;
    assert.equal(attrs['id'], 'e-1');
    assert.equal(attrs['knativeerrordest'], subscriber.url);
    assert.equal(attrs['knativeerrorcode'], 422);
    assert.equal(attrs['reason'], 'json: unexpected end');
    assert.deepEqual(t.sent[0]!.event.data, event.data, 'the data goes on unchanged');
    assert.deepEqual(l.counters, { accepted: 1, delivered: 0, retried: 0, deadLettered: 1, dropped: 0 });
  });

  it('tries a failing dead-letter sink four times on the Trigger\'s backoff, then drops the event and logs its id only', async () => {
    const t = io([false, false, false, false, true]);
    const l = lane(dls);
    await deadLetter(l, event, refused, t.io);
    assert.equal(t.sent.length, 4);
    assert.deepEqual(t.slept, [100, 200, 300]);
    assert.deepEqual(l.counters, { accepted: 1, delivered: 0, retried: 0, deadLettered: 0, dropped: 1 });
    assert.deepEqual(t.logged, [{ msg: 'dead-letter sink failed: event dropped', trigger: 'ns/t', id: 'e-1' }]);
  });

  it('is taken on a later attempt when the dead-letter sink comes back', async () => {
    const t = io([false, false, true]);
    const l = lane(dls);
    await deadLetter(l, event, refused, t.io);
    assert.equal(t.sent.length, 3);
    assert.equal(l.counters.deadLettered, 1);
    assert.equal(l.counters.dropped, 0);
    assert.deepEqual(t.logged, []);
  });

  it('drops the event at once without a dead-letter sink, logging the status and id, never the data', async () => {
    const t = io([]);
    const l = lane(undefined);
    await deadLetter(l, event, refused, t.io);
    assert.equal(t.sent.length, 0);
    assert.equal(l.counters.dropped, 1);
    assert.deepEqual(t.logged, [{ msg: 'delivery failed and no dead-letter sink: event dropped', trigger: 'ns/t', status: 422, id: 'e-1' }]);
    assert.ok(!JSON.stringify(t.logged).includes('s3cret'));
  });
});
