import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseCommand, USAGE, UsageError, type Command } from '../src/command';

const ROOT = join(__dirname, '../../..');
const words = (s: string): string[] => s.split(' ').filter(Boolean);

describe('kiot command line', () => {
  const accepted: [string, Record<string, string>, Command][] = [
    ['device add plant s1 --password-stdin', {}, { kind: 'device-add', registry: 'registry.yaml', application: 'plant', device: 's1', password: 'stdin', gatewayFor: [], force: false }],
    ['device add plant gw --gateway-for a,b --force --password hunter2hunter2', { KIOT_REGISTRY_FILE: '/etc/kiot/r.yaml' }, { kind: 'device-add', registry: '/etc/kiot/r.yaml', application: 'plant', device: 'gw', password: { value: 'hunter2hunter2' }, gatewayFor: ['a', 'b'], force: true }],
    ['--registry r.yaml device add plant s2', { KIOT_REGISTRY_FILE: 'env.yaml' }, { kind: 'device-add', registry: 'r.yaml', application: 'plant', device: 's2', password: 'generate', gatewayFor: [], force: false }],
    ['device disable plant s1', {}, { kind: 'device-enable', registry: 'registry.yaml', application: 'plant', device: 's1', enabled: false }],
    ['device enable plant s1', {}, { kind: 'device-enable', registry: 'registry.yaml', application: 'plant', device: 's1', enabled: true }],
    ['device remove plant s1 --registry r.yaml', {}, { kind: 'device-remove', registry: 'r.yaml', application: 'plant', device: 's1' }],
    ['device list', { KIOT_REGISTRY_FILE: '/etc/kiot/r.yaml' }, { kind: 'device-list', registry: '/etc/kiot/r.yaml' }],
    ['webhook-secret plant --tts-app x,y', {}, { kind: 'webhook-secret', registry: 'registry.yaml', application: 'plant', secret: 'generate', ttsApplications: ['x', 'y'] }],
    ['tail kiot-dead-letters', { KAFKA_BROKERS: 'k1:9092,k2:9092' }, { kind: 'tail', kafka: { brokers: ['k1:9092', 'k2:9092'] }, topic: 'kiot-dead-letters', fromBeginning: false }],
    ['tail t --from-beginning --brokers b:1', { KAFKA_BROKERS: 'k1:9092', KAFKA_AUTH_DIR: '/var/run/kafka-auth' }, { kind: 'tail', kafka: { brokers: ['b:1'], authDir: '/var/run/kafka-auth' }, topic: 't', fromBeginning: true }],
    ['tail t --auth-dir ./auth', { KAFKA_AUTH_DIR: '/elsewhere' }, { kind: 'tail', kafka: { brokers: ['127.0.0.1:9092'], authDir: './auth' }, topic: 't', fromBeginning: false }],
    ['replay t --to http://broker/ns/default --from 2026-11-26T08:00:00Z --until-offset 99', {}, { kind: 'replay', kafka: { brokers: ['127.0.0.1:9092'] }, topic: 't', range: { fromTime: Date.parse('2026-11-26T08:00:00Z'), untilOffset: 99n }, to: { url: 'http://broker/ns/default' } }],
    ['replay t --to https://broker-ingress/ns/kiot --ca-file ca.pem', {}, { kind: 'replay', kafka: { brokers: ['127.0.0.1:9092'] }, topic: 't', range: {}, to: { url: 'https://broker-ingress/ns/kiot', caFile: 'ca.pem' } }],
    ['replay t --to-topic u --from-offset 0', {}, { kind: 'replay', kafka: { brokers: ['127.0.0.1:9092'] }, topic: 't', range: { fromOffset: 0n }, to: { topic: 'u' } }],
    ['simulate', {}, { kind: 'simulate', protocol: 'http', url: 'http://127.0.0.1:8080', devices: 10, rate: 10, concurrency: 32, user: 'gateway1@demo', password: 'demo-gateway-secret', channel: 'temperature' }],
    ['simulate --protocol mqtt --count 30 --rate 2.5', { KIOT_MQTT_URL: 'mqtts://m:8883', KIOT_INGEST_URL: 'http://i' }, { kind: 'simulate', protocol: 'mqtt', url: 'mqtts://m:8883', devices: 10, rate: 2.5, count: 30, concurrency: 32, user: 'gateway1@demo', password: 'demo-gateway-secret', channel: 'temperature' }],
    ['simulate --duration 60 --devices 5 --user d@a --password pw --channel hum', { KIOT_INGEST_URL: 'http://i:1' }, { kind: 'simulate', protocol: 'http', url: 'http://i:1', devices: 5, rate: 10, durationS: 60, concurrency: 32, user: 'd@a', password: 'pw', channel: 'hum' }],
    // Set but empty, as a manifest or a shell may leave them: the defaults.
    ['tail t', { KAFKA_BROKERS: '', KAFKA_AUTH_DIR: '' }, { kind: 'tail', kafka: { brokers: ['127.0.0.1:9092'] }, topic: 't', fromBeginning: false }],
    ['device enable plant s1', { KIOT_REGISTRY_FILE: '' }, { kind: 'device-enable', registry: 'registry.yaml', application: 'plant', device: 's1', enabled: true }],
    ['--help', {}, { kind: 'help' }],
    ['device add -h', {}, { kind: 'help' }],
    ['help', {}, { kind: 'help' }],
  ];
  for (const [argv, env, expected] of accepted) {
    it(`kiot ${argv}`, () => assert.deepEqual(parseCommand(words(argv), env), expected));
  }

  // Each wrong command line gets a message that names what is wrong.
  const refused: [string, RegExp][] = [
    ['', /no command given/],
    ['nope', /unknown command "nope"/],
    ['device rename a b', /unknown command "device rename"/],
    ['device list plant', /device list takes no arguments, not "plant" as well/],
    ['device remove plant', /device remove takes APP DEVICE/],
    ['device add plant', /device add takes APP DEVICE/],
    ['device add plant s1 s2', /not "s2" as well/],
    ['device add plant s1 --password a --password-stdin', /--password or --password-stdin, not both/],
    ['webhook-secret plant --secret a --secret-stdin', /--secret or --secret-stdin, not both/],
    ['tail t --password x', /tail has no option --password/],
    ['tail t --to-topic u', /tail has no option --to-topic/],
    ['tail t --brokers', /--brokers/],
    ['device add a b --auth-dir x', /device add has no option --auth-dir/],
    ['tail', /tail takes TOPIC/],
    ['replay t', /exactly one of --to BROKER_URL and --to-topic TOPIC/],
    ['replay t --to http://b --to-topic u', /exactly one of/],
    ['replay t --to broker', /--to must be an http\(s\) URL/],
    ['replay t --to-topic u --ca-file ca.pem', /--ca-file goes with --to/],
    ['replay t --to http://b --from-offset abc', /--from-offset must be a record offset/],
    ['replay t --to http://b --from-offset -1', /--from-offset/],
    ['replay t --to http://b --from yesterday', /--from must be an RFC 3339 time/],
    ['replay t --to http://b --from 2026-11-27T00:00:00Z --until 2026-11-26T00:00:00Z', /--from is after --until/],
    ['replay t --to http://b --from-offset 9 --until-offset 3', /--from-offset is past --until-offset/],
    ['simulate --rate 0', /--rate must be a positive number/],
    ['simulate --devices 2.5', /--devices must be a positive whole number/],
    ['simulate --count 10 --duration 5', /--count or --duration, not both/],
    ['simulate --protocol coap', /--protocol is http or mqtt/],
    ['simulate --protocol mqtt --url http://127.0.0.1:8080', /is not a URL for --protocol mqtt/],
    ['simulate extra', /simulate takes no arguments/],
  ];
  for (const [argv, message] of refused) {
    it(`refuses kiot ${argv || '(nothing)'}`, () => assert.throws(() => parseCommand(words(argv), {}), (err: unknown) => err instanceof UsageError && message.test(err.message)));
  }

  it('prints the usage with exit 0 when asked, and a usage error with exit 2, from the built command', () => {
    const kiot = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'packages/cli/build/kiot.js'), ...args], { encoding: 'utf8' });
    const help = kiot(['--help']);
    assert.equal(help.status, 0);
    assert.equal(help.stdout, `${USAGE}\n`);
    const wrong = kiot(['tail', 't', '--password', 'x']);
    assert.equal(wrong.status, 2);
    assert.equal(wrong.stdout, '');
    assert.equal(wrong.stderr, `kiot: tail has no option --password\n${USAGE}\n`);
  });
});
