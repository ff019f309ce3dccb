/**
 * The Kafka-direct writer's fast path is for the form kiot's own stages write: what the converter makes
 * of JSON and SenML readings, serialized as the validator's reply carries it (JSON.stringify), must be
 * taken by it. A change to either side that moves the common case onto the general path fails here.
 */
import { strict as assert } from 'node:assert';
import { convert } from '../functions/converter/src/formats';
import { parseConfig } from '../functions/influx-writer/src/config';
import { canonicalLines } from '../functions/influx-writer/src/kafka/canonical-lines';

const { mapping } = parseConfig({ INFLUX_URL: 'http://x', INFLUX_BUCKET: 'b' });
const base = { time: '2026-06-01T12:00:00.123Z', application: 'demo', channel: 'temperature', codecs: {} };

describe("the writer's fast path takes what kiot's converter writes", () => {
  const inputs: [string, string, unknown][] = [
    ['a JSON reading', 'application/json', { temperature: 21.5, humidity: 40, door: 'open', ok: true }],
    ['JSON readings with their own times', 'application/json', [{ time: '2026-06-01T12:00:00Z', temperature: 21.5 }, { time: '2026-06-01T12:00:10+02:00', temperature: 22 }]],
    ['a SenML pack', 'application/senml+json', [{ bn: 'urn:dev:1:', bt: 1_780_315_200, n: 'temperature', u: 'Cel', v: 21.5 }, { n: 'humidity', u: '%RH', v: 40, t: 1 }, { n: 'door', vs: 'open', t: 2 }]],
  ];
  for (const [what, mediaType, data] of inputs) {
    it(what, () => {
      const { normalized } = convert({ ...base, mediaType, data });
      const json = Buffer.from(JSON.stringify(normalized));
      const lines = canonicalLines(json, { application: 'demo', device: 'd1', channel: 'temperature', extensions: {} }, mapping);
      assert.ok(lines !== undefined && lines.lines === normalized.records.length, json.toString());
    });
  }
});
