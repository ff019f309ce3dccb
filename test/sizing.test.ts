/**
 * Every memory request covers what its process was measured to hold: a pod above its request is
 * the first evicted when its node runs short, and the scheduler packs nodes by requests. The
 * figures are the committed ones: RSS after 10,000 events (bench/results/latest.json, cold-start)
 * and the soak's peak under a steady load (bench/results/soak.md).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { functionNames } from './support/folders';

const ROOT = join(__dirname, '..');

/** MiB from a Kubernetes quantity such as 128Mi or 1Gi. */
function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  assert.ok(m, `a memory quantity in Mi or Gi: ${quantity}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** The soak's peak RSS per process, in MB (which bench/lib.mjs counts in 1024² bytes). */
function soakPeaks(): Map<string, number> {
  const rows = readFileSync(join(ROOT, 'bench/results/soak.md'), 'utf8').matchAll(/^\| ([a-z-]+) \| [\d.]+ MB \| [\d.]+ MB \| ([\d.]+) MB \|/gm);
  return new Map([...rows].map((r) => [r[1]!, Number(r[2])]));
}

function coldStartRss(): Map<string, number> {
  const latest = JSON.parse(readFileSync(join(ROOT, 'bench/results/latest.json'), 'utf8')) as { scenarios: { 'cold-start': { figures: Record<string, { rssMb: number }> } } };
  return new Map(Object.entries(latest.scenarios['cold-start'].figures).map(([name, f]) => [name, f.rssMb]));
}

interface Resources { readonly requests: { readonly memory: string }; readonly limits: { readonly memory: string } }

describe('memory requests cover the measured memory', () => {
  const peaks = soakPeaks();
  const cold = coldStartRss();

  for (const name of functionNames()) {
    it(`${name}: func.yaml's request is at least its peak RSS, and its limit above the request`, () => {
      const spec = load(readFileSync(join(ROOT, 'functions', name, 'func.yaml'), 'utf8')) as { deploy: { options: { resources: Resources } } };
      const { requests, limits } = spec.deploy.options.resources;
      const measured = [peaks.get(name), cold.get(name)].filter((v): v is number => v !== undefined);
      assert.ok(measured.length > 0, `no committed RSS figure for ${name}`);
      assert.ok(mebibytes(requests.memory) >= Math.max(...measured), `${name} requests ${requests.memory}, holds up to ${Math.max(...measured)} MB`);
      assert.ok(mebibytes(limits.memory) > mebibytes(requests.memory));
    });
  }

  it('the MQTT endpoint\'s Deployment requests at least its peak RSS', () => {
    const docs = loadAll(readFileSync(join(ROOT, 'eventing/base/mqtt-endpoint.yaml'), 'utf8')) as { kind: string; spec: { template: { spec: { containers: { resources: Resources }[] } } } }[];
    const { requests } = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0]!.resources;
    const peak = peaks.get('mqtt-endpoint');
    assert.ok(peak !== undefined, 'no soak figure for the MQTT endpoint');
    assert.ok(mebibytes(requests.memory) >= peak, `requests ${requests.memory}, holds up to ${peak} MB`);
  });
});
