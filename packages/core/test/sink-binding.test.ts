/** What a SinkBinding injects (K_SINK, K_CE_OVERRIDES, K_CA_CERTS), read and applied as the endpoints do. */
import { strict as assert } from 'node:assert';
import { ConfigError, EnvReader, KiotError, newEvent, parseCeOverrides, readSinkBinding } from '../src';
import { bindingSink } from '../src/exchange';
import { selfSigned } from '../../../test/support/certificates';
import { startSink, type TestSink } from '../../../test/support/sink';

const event = () => newEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/d1', application: 'demo', device: 'd1', datacontenttype: 'application/json' }, Buffer.from('{"t":1}'));

describe('SinkBinding: K_SINK, K_CE_OVERRIDES, K_CA_CERTS', () => {
  const accepted: [string, string | undefined, Record<string, string>][] = [
    ['unset', undefined, {}],
    ['extensions of strings, numbers and booleans', '{"extensions":{"site":"plant1","floor":3,"lab":true}}', { site: 'plant1', floor: '3', lab: 'true' }],
    ['no extensions', '{}', {}],
  ];
  for (const [name, raw, expected] of accepted) {
    it(`reads ${name}`, () => assert.deepEqual(parseCeOverrides(raw), { overrides: expected, problems: [] }));
  }
  const refused: [string, string, string[]][] = [
    ['not JSON', '{extensions:', ['K_CE_OVERRIDES must be JSON like {"extensions":{"site":"plant1"}}']],
    ['extensions not an object', '{"extensions":["site"]}', ['K_CE_OVERRIDES extensions must be an object of names to values']],
    ['the spec\'s own attributes, which are no extensions', '{"extensions":{"time":"yesterday","dataschema":"x","id":"1","site":"plant1"}}', ['time', 'dataschema', 'id'].map((n) => `K_CE_OVERRIDES extension ${n} is a CloudEvents context attribute, not an extension`)],
    ['a name the spec does not allow, and an object value', '{"extensions":{"Site":"x","meta":{"a":1}}}', ['K_CE_OVERRIDES extension "Site" must be 1 to 20 lowercase letters or digits', 'K_CE_OVERRIDES extension meta must be a string, number or boolean']],
  ];
  for (const [name, raw, problems] of refused) {
    it(`refuses ${name}`, () => assert.deepEqual(parseCeOverrides(raw).problems, problems));
  }

  it('lists every problem of the binding at once', () => {
    const r = new EnvReader({ K_SINK: 'ftp://broker', K_CE_OVERRIDES: '{"extensions":{"A":1}}', K_CA_CERTS: 'not a certificate' });
    readSinkBinding(r);
    assert.throws(() => r.done({}), (err: unknown) => err instanceof ConfigError && err.problems.length === 3);
  });

  describe('the hand-off', () => {
    let sink: TestSink;
    let cert = '';
    before(async () => {
      // Self-signed for 127.0.0.1, as a cluster's eventing TLS issues the broker ingress its own.
      const tls = selfSigned('broker-ingress');
      cert = tls.cert;
      sink = await startSink(tls);
    });
    after(() => sink?.close());

    it('delivers to an https sink signed by K_CA_CERTS, with the overrides under kiot\'s own attributes', async () => {
      const send = bindingSink({ sink: sink.url, overrides: { site: 'plant1', device: 'not-this-one' }, caCerts: cert }, 2000, 1);
      await send(event());
      const got = sink.received.at(-1)!;
      assert.equal(got.headers['ce-site'], 'plant1');
      assert.equal(got.headers['ce-device'], 'd1');
      assert.equal(got.body.toString(), '{"t":1}');
    });

    it('refuses that sink without K_CA_CERTS: unavailable, so the device is told to retry', async () => {
      const send = bindingSink({ sink: sink.url, overrides: {} }, 2000, 1);
      await assert.rejects(send(event()), (err: unknown) => err instanceof KiotError && err.errorName === 'UNAVAILABLE');
    });
  });
});
