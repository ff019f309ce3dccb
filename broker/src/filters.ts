/**
 * Trigger filters: the legacy `spec.filter.attributes` (exact match, "" matches anything) and the
 * SubscriptionsAPI `spec.filters` (exact, prefix, suffix, all, any, not). When `filters` is set,
 * `filter` is ignored, as in Knative. CESQL is refused when the manifests load.
 */
import { isPlainObject } from '@kiot/core';
import type { AttributeValue } from './cloudevent';

export type Attributes = Readonly<Record<string, AttributeValue>>;
export type Predicate = (attrs: Attributes) => boolean;

export class FilterError extends Error {}

const DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not', 'cesql'] as const;
const NAME = /^[a-z][a-z0-9]*$/;


function stringMap(v: unknown, where: string): Record<string, string> {
  if (!isPlainObject(v) || Object.keys(v).length === 0) throw new FilterError(`${where} must be a non-empty map of attribute → value`);
  for (const [k, val] of Object.entries(v)) {
    if (!NAME.test(k)) throw new FilterError(`${where}: attribute name ${JSON.stringify(k)} must match ^[a-z][a-z0-9]*$`);
    if (typeof val !== 'string') throw new FilterError(`${where}.${k} must be a string`);
  }
  return v as Record<string, string>;
}

const valueOf = (attrs: Attributes, name: string): string | undefined => {
  const v = attrs[name];
  return v === undefined ? undefined : String(v);
};

function compileOne(item: unknown, where: string): Predicate {
  if (!isPlainObject(item)) throw new FilterError(`${where} must be a map`);
  const keys = Object.keys(item);
  if (keys.length !== 1 || !(DIALECTS as readonly string[]).includes(keys[0]!)) throw new FilterError(`${where} must have exactly one dialect of ${DIALECTS.join(', ')}; got ${keys.join(', ') || 'none'}`);
  const dialect = keys[0] as (typeof DIALECTS)[number];
  const body = item[dialect];
  const at = `${where}.${dialect}`;
  switch (dialect) {
    case 'exact': {
      const m = Object.entries(stringMap(body, at));
      return (a) => m.every(([k, v]) => valueOf(a, k) === v);
    }
    case 'prefix': {
      const m = Object.entries(stringMap(body, at));
      return (a) => m.every(([k, v]) => valueOf(a, k)?.startsWith(v) === true);
    }
    case 'suffix': {
      const m = Object.entries(stringMap(body, at));
      return (a) => m.every(([k, v]) => valueOf(a, k)?.endsWith(v) === true);
    }
    case 'all':
    case 'any': {
      if (!Array.isArray(body) || body.length === 0) throw new FilterError(`${at} must be a non-empty list of filters`);
      const ps = body.map((f, i) => compileOne(f, `${at}[${i}]`));
      return dialect === 'all' ? (a) => ps.every((p) => p(a)) : (a) => ps.some((p) => p(a));
    }
    case 'not': {
      const p = compileOne(body, at);
      return (a) => !p(a);
    }
    case 'cesql':
      throw new FilterError(`${at}: CESQL filters are not supported by the embedded broker; use exact, prefix, suffix, all, any or not`);
  }
}

export function compileFilters(spec: { filter?: unknown; filters?: unknown }, where: string): Predicate {
  if (spec.filters !== undefined) {
    if (!Array.isArray(spec.filters)) throw new FilterError(`${where}.filters must be a list`);
    if (spec.filters.length > 0) {
      const ps = spec.filters.map((f, i) => compileOne(f, `${where}.filters[${i}]`));
      return (a) => ps.every((p) => p(a));
    }
  }
  if (spec.filter !== undefined) {
    if (!isPlainObject(spec.filter)) throw new FilterError(`${where}.filter must be a map`);
    const attrs = spec.filter['attributes'];
    if (attrs === undefined) return () => true;
    const m = Object.entries(stringMap(attrs, `${where}.filter.attributes`));
    return (a) => m.every(([k, v]) => v === '' || valueOf(a, k) === v);
  }
  return () => true;
}
