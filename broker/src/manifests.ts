/** Reads the Broker and Trigger objects from the eventing/ manifests a cluster applies. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { isPlainObject } from '@kiot/core';
import { parseDuration } from './duration';
import { compileFilters, type Predicate } from './filters';

export interface Destination {
  readonly ref?: { readonly kind: string; readonly name: string; readonly namespace: string; readonly apiVersion: string };
  readonly uri?: string;
}

export interface Delivery {
  readonly retry?: number;
  readonly backoffPolicy?: 'linear' | 'exponential';
  readonly backoffDelayMs?: number;
  readonly timeoutMs?: number;
  readonly deadLetterSink?: Destination;
}

export interface BrokerSpec {
  readonly namespace: string;
  readonly name: string;
  readonly delivery: Delivery;
}

export interface TriggerSpec {
  readonly namespace: string;
  readonly name: string;
  readonly broker: string;
  readonly matches: Predicate;
  readonly subscriber: Destination;
  readonly delivery: Delivery;
}

export interface Wiring {
  readonly brokers: readonly BrokerSpec[];
  readonly triggers: readonly TriggerSpec[];
}

export class ManifestError extends Error {}

type Doc = Record<string, unknown>;

export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) continue;
    if (/\.ya?ml$/.test(entry) && !/^kustomization\.ya?ml$/.test(entry)) out.push(p);
  }
  return out;
}

export function loadDocuments(files: readonly string[]): Doc[] {
  return files.flatMap((f) => loadAll(readFileSync(f, 'utf8')).filter(isPlainObject));
}

function destination(v: unknown, where: string, namespace: string): Destination {
  if (!isPlainObject(v)) throw new ManifestError(`${where} must be a map with ref and/or uri`);
  const out: { ref?: Destination['ref']; uri?: string } = {};
  if (v['ref'] !== undefined) {
    const r = v['ref'];
    if (!isPlainObject(r) || typeof r['name'] !== 'string' || typeof r['kind'] !== 'string') throw new ManifestError(`${where}.ref needs kind and name`);
    out.ref = { kind: r['kind'], name: r['name'], apiVersion: String(r['apiVersion'] ?? ''), namespace: typeof r['namespace'] === 'string' ? r['namespace'] : namespace };
  }
  if (v['uri'] !== undefined) {
    if (typeof v['uri'] !== 'string') throw new ManifestError(`${where}.uri must be a string`);
    out.uri = v['uri'];
  }
  if (!out.ref && out.uri === undefined) throw new ManifestError(`${where} needs ref or uri`);
  return out;
}

export function parseDelivery(v: unknown, where: string, namespace: string): Delivery {
  if (v === undefined) return {};
  if (!isPlainObject(v)) throw new ManifestError(`${where} must be a map`);
  const d: { -readonly [K in keyof Delivery]: Delivery[K] } = {};
  if (v['retry'] !== undefined) {
    if (!Number.isInteger(v['retry']) || (v['retry'] as number) < 0) throw new ManifestError(`${where}.retry must be an integer ≥ 0`);
    d.retry = v['retry'] as number;
  }
  if (v['backoffPolicy'] !== undefined) {
    if (v['backoffPolicy'] !== 'linear' && v['backoffPolicy'] !== 'exponential') throw new ManifestError(`${where}.backoffPolicy must be linear or exponential`);
    d.backoffPolicy = v['backoffPolicy'];
  }
  for (const [key, field] of [['backoffDelay', 'backoffDelayMs'], ['timeout', 'timeoutMs']] as const) {
    if (v[key] === undefined) continue;
    const ms = typeof v[key] === 'string' ? parseDuration(v[key]) : undefined;
    if (ms === undefined || (key === 'timeout' && ms <= 0)) throw new ManifestError(`${where}.${key} must be an ISO-8601 duration such as PT0.5S`);
    d[field] = ms;
  }
  if (v['deadLetterSink'] !== undefined) d.deadLetterSink = destination(v['deadLetterSink'], `${where}.deadLetterSink`, namespace);
  return d;
}

/** Broker and Trigger objects of every document; anything else is left to the cluster. */
export function parseWiring(docs: readonly Doc[], defaultNamespace = 'default'): Wiring {
  const brokers: BrokerSpec[] = [];
  const triggers: TriggerSpec[] = [];
  for (const doc of docs) {
    const kind = doc['kind'];
    const meta = isPlainObject(doc['metadata']) ? doc['metadata'] : {};
    const name = String(meta['name'] ?? '');
    const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : defaultNamespace;
    const spec = isPlainObject(doc['spec']) ? doc['spec'] : {};
    const where = `${String(kind)} ${namespace}/${name}`;
    if (kind === 'Broker') brokers.push({ namespace, name, delivery: parseDelivery(spec['delivery'], `${where} spec.delivery`, namespace) });
    else if (kind === 'Trigger') {
      const brokerRef = isPlainObject(spec['brokerRef']) ? spec['brokerRef']['name'] : undefined;
      const broker = typeof spec['broker'] === 'string' ? spec['broker'] : brokerRef;
      if (typeof broker !== 'string') throw new ManifestError(`${where}: spec.broker is required`);
      let matches: Predicate;
      try {
        matches = compileFilters({ filter: spec['filter'], filters: spec['filters'] }, `${where} spec`);
      } catch (err) {
        throw new ManifestError((err as Error).message);
      }
      triggers.push({ namespace, name, broker, matches, subscriber: destination(spec['subscriber'], `${where} spec.subscriber`, namespace), delivery: parseDelivery(spec['delivery'], `${where} spec.delivery`, namespace) });
    }
  }
  for (const t of triggers) {
    if (!brokers.some((b) => b.name === t.broker && b.namespace === t.namespace)) throw new ManifestError(`Trigger ${t.namespace}/${t.name}: no Broker ${t.namespace}/${t.broker} in the manifests`);
  }
  return { brokers, triggers };
}

/** Trigger values win field by field over the Broker's, as Knative merges them (a zero never overrides). */
export function mergeDelivery(broker: Delivery, trigger: Delivery): Delivery {
  const pick = <K extends keyof Delivery>(k: K): Delivery[K] => (trigger[k] !== undefined && trigger[k] !== 0 ? trigger[k] : broker[k]);
  const out: { -readonly [K in keyof Delivery]: Delivery[K] } = {};
  for (const k of ['retry', 'backoffPolicy', 'backoffDelayMs', 'timeoutMs', 'deadLetterSink'] as const) {
    const v = pick(k);
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Delay before retry n (1-based), as Knative computes it: linear d·n, exponential d·2ⁿ. */
export function backoffMs(delivery: Delivery, n: number): number {
  const delay = delivery.backoffDelayMs ?? 1000;
  return (delivery.backoffPolicy ?? 'exponential') === 'linear' ? delay * n : delay * 2 ** n;
}
