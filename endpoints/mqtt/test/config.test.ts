/** The endpoint's configuration: defaults, and a bad one refused at start with every problem named. */
import { strict as assert } from 'node:assert';
import { parseConfig } from '../src/config';

const base = { K_SINK: 'http://127.0.0.1:1', MQTT_REGISTRY_FILE: 'r.yaml' };

describe('mqtt endpoint config', () => {
  it('listens on 1883 only by default, and trusts X-Forwarded-For on WebSocket from loopback and private ranges only', () => {
    const c = parseConfig(base);
    assert.deepEqual([c.port, c.wsPort, c.wssPort, c.tlsCertFile], [1883, undefined, undefined, undefined]);
    for (const [address, trusted] of [['127.0.0.1', true], ['10.244.1.7', true], ['192.168.1.5', true], ['203.0.113.9', false]] as const) assert.equal(c.wsTrustedProxies.includes(address), trusted, address);
  });

  it('takes MQTT_WS_TRUSTED_PROXIES in place of the default ranges', () => {
    const c = parseConfig({ ...base, MQTT_WS_TRUSTED_PROXIES: '10.244.0.0/16' });
    assert.deepEqual([c.wsTrustedProxies.includes('10.244.3.4'), c.wsTrustedProxies.includes('192.168.1.1'), c.wsTrustedProxies.includes('127.0.0.1')], [true, false, false]);
  });

  it('serves wss on MQTT_WSS_PORT with the TLS certificate', () => {
    assert.equal(parseConfig({ ...base, MQTT_WSS_PORT: '8884', MQTT_TLS_CERT_FILE: 'c.pem', MQTT_TLS_KEY_FILE: 'k.pem' }).wssPort, 8884);
  });

  it('hands off one publish per connection by default; MQTT_SINK_PIPELINING pipelines 1 to 64 deep', () => {
    assert.equal(parseConfig(base).sinkPipelining, 1);
    assert.equal(parseConfig({ ...base, MQTT_SINK_PIPELINING: '16' }).sinkPipelining, 16);
    for (const bad of ['0', '65', 'many']) assert.throws(() => parseConfig({ ...base, MQTT_SINK_PIPELINING: bad }), /MQTT_SINK_PIPELINING/);
  });

  it('refuses a bad config at start, naming every problem at once', () => {
    assert.throws(() => parseConfig({ ...base, MQTT_WSS_PORT: '8884', MQTT_WS_TRUSTED_PROXIES: 'loopback, ingress.example, 10.0.0.0/40', MQTT_TLS_KEY_FILE: 'k.pem' }), (err: Error) => {
      for (const problem of [/MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE go together/, /MQTT_WSS_PORT needs MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE/, /MQTT_WS_TRUSTED_PROXIES: "ingress\.example"/, /MQTT_WS_TRUSTED_PROXIES: "10\.0\.0\.0\/40"/]) assert.match(err.message, problem);
      assert.doesNotMatch(err.message, /"loopback"/);
      return true;
    });
  });
});
