import { strict as assert } from 'node:assert';
import { kafkaClientSecurity, kafkaSecurity, type KafkaSecurity } from '../src/kafka-auth';

const secret = (keys: Record<string, string>) => (key: string): string | undefined => keys[key];

describe('Kafka auth from a Knative Kafka auth Secret', () => {
  const accepted: [string, Record<string, string>, KafkaSecurity][] = [
    ['no keys: plaintext', {}, {}],
    ['PLAINTEXT', { protocol: 'PLAINTEXT' }, {}],
    ['SSL with the system roots', { protocol: 'SSL' }, { ssl: true }],
    ['SSL with a CA', { protocol: 'SSL', 'ca.crt': 'CA' }, { ssl: { ca: 'CA' } }],
    ['SSL with a client certificate', { protocol: 'SSL', 'ca.crt': 'CA', 'user.crt': 'C', 'user.key': 'K' }, { ssl: { ca: 'CA', cert: 'C', key: 'K' } }],
    ['SASL_SSL, SCRAM-SHA-512', { protocol: 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', user: 'u', password: 'p', 'ca.crt': 'CA' }, { ssl: { ca: 'CA' }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } }],
    ['SASL_SSL, mechanism as Knative defaults it (PLAIN), system roots', { protocol: 'SASL_SSL', user: 'u', password: 'p' }, { ssl: true, sasl: { mechanism: 'plain', username: 'u', password: 'p' } }],
    ['SASL_PLAINTEXT, SCRAM-SHA-256, spelled loosely, values with a newline from a file', { protocol: 'sasl_plaintext\n', 'sasl.mechanism': 'scram-sha-256\n', user: 'u', password: 'p w\n' }, { sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p w\n' } }],
  ];
  for (const [name, keys, expected] of accepted) {
    it(name, () => assert.deepEqual(kafkaSecurity(secret(keys)), { security: expected, problems: [] }));
  }

  const refused: [string, Record<string, string>, string[]][] = [
    ['an unknown protocol', { protocol: 'TLS' }, ['Kafka auth: protocol is PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, not "TLS"']],
    ['a certificate without its key', { protocol: 'SSL', 'user.crt': 'C' }, ['Kafka auth: user.crt and user.key go together (a client certificate needs its key)']],
    ['certificates without TLS', { protocol: 'SASL_PLAINTEXT', user: 'u', password: 'p', 'ca.crt': 'CA' }, ['Kafka auth: certificates are given but protocol SASL_PLAINTEXT does not use TLS (SSL or SASL_SSL does)']],
    ['SASL without a password, with a mechanism kafkajs lacks', { protocol: 'SASL_SSL', 'sasl.mechanism': 'GSSAPI', user: 'u' }, ['Kafka auth: sasl.mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, not "GSSAPI"', 'Kafka auth: protocol SASL_SSL needs user and password']],
  ];
  for (const [name, keys, problems] of refused) {
    it(`refuses ${name}`, () => assert.deepEqual(kafkaSecurity(secret(keys)).problems, problems));
  }

  it('hands kafkajs copies it may write into, even of a frozen config', () => {
    const frozen = Object.freeze({ ssl: Object.freeze({ ca: 'CA' }), sasl: Object.freeze({ mechanism: 'plain' as const, username: 'u', password: 'p' }) });
    const copy = kafkaClientSecurity(frozen);
    assert.deepEqual(copy, frozen);
    assert.ok(Object.isExtensible(copy.sasl) && Object.isExtensible(copy.ssl));
    assert.deepEqual(kafkaClientSecurity(undefined), {});
  });
});
