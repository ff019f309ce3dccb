/** ensureTopic alone, with an admin client that records its calls (the real Kafka creates it in kafka.test.ts). */
import { strict as assert } from 'node:assert';
import type { Admin, ITopicConfig } from 'kafkajs';
import { ensureTopic } from '../src/kafka/consumer';

type Create = { topics: ITopicConfig[] };
type TopicAdmin = Pick<Admin, 'listTopics' | 'fetchTopicMetadata' | 'createTopics'> & { created: Create[] };

function admin(existing: string[], replicasOf: Record<string, number>, create: (c: Create) => Promise<boolean> = async () => true): TopicAdmin {
  const created: Create[] = [];
  return {
    created,
    listTopics: async () => existing,
    fetchTopicMetadata: async (options) => {
      const topics = options?.topics ?? [];
      if (topics.some((t) => replicasOf[t] === undefined)) throw new Error('This server does not host this topic-partition');
      return { topics: topics.map((name) => ({ name, partitions: [0, 1].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, offlineReplicas: [], replicas: Array.from({ length: replicasOf[name]! }, (_, i) => i + 1), isr: [] })) })) };
    },
    createTopics: async (c: Create) => {
      created.push(c);
      return create(c);
    },
  };
}

describe('the Kafka-direct writer\'s dead-letter topic', () => {
  const quiet = (): void => undefined;

  it('is created as durable as the topic its records come from, not with the cluster default (often one copy)', async () => {
    const a = admin(['knative-broker-kiot-kiot'], { 'knative-broker-kiot-kiot': 3 });
    await ensureTopic(a, 'kiot-writer-dead-letters', ['knative-broker-kiot-kiot'], quiet);
    assert.deepEqual(a.created.map((c) => c.topics), [[{ topic: 'kiot-writer-dead-letters', replicationFactor: 3 }]]);
  });

  it('is left alone when it exists', async () => {
    const a = admin(['knative-broker-kiot-kiot', 'kiot-writer-dead-letters'], { 'knative-broker-kiot-kiot': 3 });
    await ensureTopic(a, 'kiot-writer-dead-letters', ['knative-broker-kiot-kiot'], quiet);
    assert.deepEqual(a.created, []);
  });

  it('takes the cluster default when the source topics cannot be described, and names the topic when it may not create it', async () => {
    const a = admin([], {});
    await ensureTopic(a, 'dead', ['missing'], quiet);
    assert.deepEqual(a.created.map((c) => c.topics), [[{ topic: 'dead' }]]);
    const refused = admin([], { src: 1 }, async () => { throw new Error('Topic authorization failed'); });
    await assert.rejects(ensureTopic(refused, 'dead', ['src'], quiet), /the dead-letter topic dead does not exist and could not be created \(Topic authorization failed\)/);
  });
});
