import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { parseDuration } from '../src/duration';
import { backoffMs, ManifestError, mergeDelivery, parseDelivery, parseWiring } from '../src/manifests';
import { loadWiring } from '../src/broker';

describe('broker manifests', () => {
  it('parses ISO-8601 durations and refuses other text', () => {
    assert.equal(parseDuration('PT0.5S'), 500);
    assert.equal(parseDuration('PT1M30S'), 90_000);
    assert.equal(parseDuration('P1DT1H'), 90_000_000);
    for (const bad of ['P', 'PT', '500ms', '1s', 'PT-1S', '']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('merges Broker and Trigger delivery field by field; a zero never overrides', () => {
    const broker = parseDelivery({ retry: 5, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S', timeout: 'PT10S', deadLetterSink: { uri: 'http://dls' } }, 'b', 'ns');
    const trigger = parseDelivery({ retry: 0, backoffDelay: 'PT1S' }, 't', 'ns');
    assert.deepEqual(mergeDelivery(broker, trigger), { retry: 5, backoffPolicy: 'exponential', backoffDelayMs: 1000, timeoutMs: 10_000, deadLetterSink: { uri: 'http://dls' } });
  });

  it('computes backoff as Knative does: linear d·n, exponential d·2ⁿ', () => {
    assert.deepEqual([1, 2, 3].map((n) => backoffMs({ backoffPolicy: 'linear', backoffDelayMs: 100 }, n)), [100, 200, 300]);
    assert.deepEqual([1, 2, 3].map((n) => backoffMs({ backoffPolicy: 'exponential', backoffDelayMs: 100 }, n)), [200, 400, 800]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['a negative retry', { retry: -1 }, /retry must be an integer/],
    ['a backoff policy Knative does not know', { backoffPolicy: 'fibonacci' }, /linear or exponential/],
    ['a delay that is not ISO-8601', { backoffDelay: '500ms' }, /ISO-8601/],
  ];
  for (const [name, spec, msg] of bad) it(`refuses ${name}`, () => assert.throws(() => parseDelivery(spec, 'x', 'ns'), (e: Error) => e instanceof ManifestError && msg.test(e.message)));

  it('refuses a Trigger whose Broker is not in the manifests', () => {
    assert.throws(() => parseWiring([{ kind: 'Trigger', metadata: { name: 't', namespace: 'n' }, spec: { broker: 'missing', subscriber: { uri: 'http://x' } } }]), /no Broker n\/missing/);
  });

  it('loads the repository eventing/base: one Broker, a Trigger per step', () => {
    const w = loadWiring([join(__dirname, '../../eventing/base')], 'kiot');
    assert.deepEqual(w.brokers.map((b) => b.name), ['kiot']);
    assert.deepEqual(w.triggers.map((t) => t.name).sort(), ['converter', 'influx-writer', 'influx-writer-rejects', 'live-console', 'rejects', 'validator']);
  });
});
