import { strict as assert } from 'node:assert';
import { Metrics } from '../src/metrics';

describe('Metrics: counters and gauges in Prometheus text', () => {
  it('names each series with its labels in the order given, escaping what a label value cannot hold', () => {
    const m = new Metrics();
    m.inc('kiot_a_total');
    m.inc('kiot_a_total', {}, 2);
    m.inc('kiot_b_total', { qos: '1' });
    m.inc('kiot_b_total', { qos: '1' });
    m.inc('kiot_c_total', { reason: 'x"y\\z\nw', qos: '0' });
    m.set('kiot_lag', { topic: 't', partition: '3' }, 7);
    assert.equal(m.get('kiot_a_total'), 3);
    assert.equal(m.get('kiot_b_total{qos="1"}'), 2);
    assert.equal(m.get('kiot_c_total{reason="x_y_z_w",qos="0"}'), 1);
    assert.equal(m.text(), ['# TYPE kiot_lag gauge', 'kiot_lag{topic="t",partition="3"} 7', '# TYPE kiot_a_total counter', 'kiot_a_total 3', '# TYPE kiot_b_total counter', 'kiot_b_total{qos="1"} 2', '# TYPE kiot_c_total counter', 'kiot_c_total{reason="x_y_z_w",qos="0"} 1', ''].join('\n'));
  });

  it('counts through a counter into the same series inc counts, which appears only once counted', () => {
    const m = new Metrics();
    const publishes = m.counter('kiot_p_total', { qos: '1' });
    m.counter('kiot_never_total');
    assert.equal(m.text(), '\n');
    publishes();
    publishes(2);
    m.inc('kiot_p_total', { qos: '1' });
    assert.equal(m.get('kiot_p_total{qos="1"}'), 4);
    assert.equal(m.text(), ['# TYPE kiot_p_total counter', 'kiot_p_total{qos="1"} 4', ''].join('\n'));
  });
});
