/** The overlays render (kustomize) to valid manifests, and scripts/deploy --dry-run shows every step. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { backoffMs, mergeDelivery, parseWiring } from '../broker/src/manifests';
import { needService } from './support/services';

const ROOT = join(__dirname, '..');
type Doc = { kind: string; apiVersion: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> };

function deploy(args: string[]) {
  return spawnSync(join(ROOT, 'scripts/deploy'), args, { cwd: ROOT, encoding: 'utf8' });
}

describe('scripts/deploy and the eventing overlays', function () {
  this.timeout(30_000);
  before(async function () {
    if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) await needService(this, 'kubectl (kustomize)', 'file:///usr/bin/kubectl', 'install kubectl to render the overlays');
  });

  const rendered = (overlay: string): Doc[] => {
    const r = deploy(['--registry', 'ghcr.io/example', '--namespace', 'iot', '--overlay', overlay, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    const yaml = r.stdout.split(`--- rendered manifests: eventing/overlays/${overlay} ---\n`)[1]!;
    return (loadAll(yaml) as Doc[]).filter(Boolean);
  };

  it('--dry-run prints the build, a func deploy per function folder and the kubectl apply, and runs none of them', () => {
    const r = deploy(['--registry', 'ghcr.io/example', '--namespace', 'iot', '--overlay', 'kafka', '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('$ '));
    assert.equal(commands[0], '$ npm run build');
    for (const fn of ['converter', 'http-ingest', 'influx-writer', 'live-console', 'validator']) assert.ok(commands.includes(`$ func deploy --path functions/${fn} --registry ghcr.io/example --namespace iot --build true`), fn);
    assert.ok(commands.includes('$ docker build --tag ghcr.io/example/mqtt-endpoint:latest endpoints/mqtt'));
    assert.ok(commands.includes('$ docker push ghcr.io/example/mqtt-endpoint:latest'));
    assert.equal(commands.at(-1), '$ kubectl apply -k var/deploy/kafka-iot');
  });

  for (const overlay of ['kafka', 'light']) {
    it(`${overlay} overlay in another namespace: every object there, every reference resolving there, the registry's images`, () => {
      const docs = rendered(overlay);
      for (const d of docs) assert.equal((d.metadata as { namespace?: string }).namespace, 'iot', `${d.kind} ${d.metadata.name}`);
      // A reference that names a namespace would point back at kiot's; left out, Knative resolves it in the holder's.
      const text = JSON.stringify(docs);
      assert.doesNotMatch(text, /"namespace":"(?!iot")/);
      const images = docs.filter((d) => d.kind === 'Deployment').flatMap((d) => (d.spec as { template: { spec: { containers: { image: string; env?: { name: string; value?: string }[] }[] } } }).template.spec.containers);
      assert.ok(images.length > 0 && images.every((c) => c.image.startsWith('ghcr.io/example/')), images.map((c) => c.image).join(', '));
      const topics = images.flatMap((c) => c.env ?? []).filter((e) => e.name === 'KAFKA_TOPICS').map((e) => e.value);
      assert.deepEqual(topics, overlay === 'kafka' ? ['knative-broker-iot-kiot'] : []);
      const wiring = parseWiring(docs as unknown as Record<string, unknown>[], 'iot');
      assert.ok(wiring.triggers.length > 0 && wiring.triggers.every((t) => t.namespace === 'iot' && (t.subscriber.ref?.namespace ?? 'iot') === 'iot'));
      // One path writes each reading: the Broker's push to the influx-writer function, or the Kafka-direct writer reading its topic.
      const pushed = wiring.triggers.filter((t) => t.subscriber.ref?.name === 'influx-writer').map((t) => t.name).sort();
      const consumer = docs.some((d) => d.kind === 'Deployment' && d.metadata.name === 'influx-writer-consumer');
      assert.deepEqual({ pushed, consumer }, overlay === 'kafka' ? { pushed: [], consumer: true } : { pushed: ['influx-writer', 'influx-writer-rejects'], consumer: false });
    });
  }

  it('refuses to run without a registry, with a bad namespace or an unknown overlay', () => {
    assert.equal(deploy(['--dry-run']).status, 2);
    assert.equal(deploy(['--registry', 'r', '--namespace', 'Bad_NS', '--dry-run']).status, 2);
    assert.equal(deploy(['--registry', 'r', '--overlay', 'huge', '--dry-run']).status, 2);
  });

  it('kafka overlay: a Kafka-class Broker with its config, KafkaSinks for dead letters and rejects, the Kafka-direct writer', () => {
    const docs = rendered('kafka');
    const broker = docs.find((d) => d.kind === 'Broker')!;
    assert.equal(broker.metadata.annotations?.['eventing.knative.dev/broker.class'], 'Kafka');
    assert.deepEqual(docs.filter((d) => d.kind === 'KafkaSink').map((d) => d.metadata.name).sort(), ['kiot-dead-letters', 'kiot-rejects']);
    assert.ok(docs.some((d) => d.kind === 'Deployment' && d.metadata.name === 'influx-writer-consumer'));
    // What the Broker acked and what it dead-lettered survives the loss of one Kafka broker.
    const config = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'kiot-kafka-broker-config') as unknown as { data: Record<string, string> };
    assert.deepEqual([config.data['default.topic.replication.factor'], config.data['default.topic.config.min.insync.replicas']], ['3', '2']);
    assert.deepEqual(docs.filter((d) => d.kind === 'KafkaSink').map((d) => (d.spec as { replicationFactor: number }).replicationFactor), [3, 3]);
    parseWiring(docs as unknown as Record<string, unknown>[], 'kiot');
  });

  it('light overlay: MTChannelBasedBroker over InMemoryChannel, nothing Kafka, dead letters kept by the writer', () => {
    const docs = rendered('light');
    const broker = docs.find((d) => d.kind === 'Broker')!;
    assert.equal(broker.metadata.annotations?.['eventing.knative.dev/broker.class'], 'MTChannelBasedBroker');
    const config = (broker.spec as { config: { name: string } }).config.name;
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === config) as unknown as { data: Record<string, string> };
    assert.match(cm.data['channel-template-spec']!, /kind: InMemoryChannel/);
    assert.equal(docs.filter((d) => d.kind === 'KafkaSink' || d.metadata.name === 'influx-writer-consumer' || d.metadata.name === 'kiot-kafka-broker-config').length, 0);
    assert.equal((broker.spec as { delivery: { deadLetterSink: { ref: { name: string } } } }).delivery.deadLetterSink.ref.name, 'influx-writer');
    const wiring = parseWiring(docs as unknown as Record<string, unknown>[], 'kiot');
    assert.ok(!wiring.triggers.some((t) => t.name === 'rejects'), 'rejects go to InfluxDB through the influx-writer-rejects Trigger');
    assert.ok(wiring.triggers.some((t) => t.name === 'influx-writer-rejects'));
    // The writer is also the dead-letter sink here: its Triggers must outlast an InfluxDB restart or upgrade.
    const broker0 = wiring.brokers[0]!;
    for (const name of ['influx-writer', 'influx-writer-rejects']) {
      const d = mergeDelivery(broker0.delivery, wiring.triggers.find((t) => t.name === name)!.delivery);
      const waits = Array.from({ length: d.retry ?? 0 }, (_, i) => backoffMs(d, i + 1));
      const minutes = waits.reduce((a, b) => a + b, 0) / 60_000;
      assert.ok(minutes >= 45, `${name} retries for ${minutes.toFixed(1)} min`);
      assert.ok(Math.max(...waits) <= 5 * 60_000, `${name} waits up to ${Math.max(...waits) / 1000} s between attempts`);
    }
  });
});
