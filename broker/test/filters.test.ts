import { strict as assert } from 'node:assert';
import { compileFilters, FilterError } from '../src/filters';

const ev = { type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/device1', subject: 'temperature', application: 'demo', count: 3 };

describe('trigger filters', () => {
  const cases: { name: string; spec: { filter?: unknown; filters?: unknown }; matches: boolean }[] = [
    { name: 'no filter matches everything', spec: {}, matches: true },
    { name: 'legacy attributes: exact match', spec: { filter: { attributes: { type: 'io.kiot.telemetry.raw.v1', application: 'demo' } } }, matches: true },
    { name: 'legacy attributes: one differs', spec: { filter: { attributes: { type: 'io.kiot.telemetry.raw.v1', application: 'other' } } }, matches: false },
    { name: 'legacy attributes: "" matches any value', spec: { filter: { attributes: { application: '' } } }, matches: true },
    { name: 'legacy attributes: a missing attribute does not match', spec: { filter: { attributes: { sender: 'gw' } } }, matches: false },
    { name: 'exact', spec: { filters: [{ exact: { type: 'io.kiot.telemetry.raw.v1' } }] }, matches: true },
    { name: 'exact is case-sensitive', spec: { filters: [{ exact: { type: 'IO.kiot.telemetry.raw.v1' } }] }, matches: false },
    { name: 'exact compares non-string values as text', spec: { filters: [{ exact: { count: '3' } }] }, matches: true },
    { name: 'prefix', spec: { filters: [{ prefix: { type: 'io.kiot.' } }] }, matches: true },
    { name: 'prefix on a missing attribute', spec: { filters: [{ prefix: { sender: '' } }] }, matches: false },
    { name: 'suffix', spec: { filters: [{ suffix: { source: '/device1' } }] }, matches: true },
    { name: 'suffix that differs', spec: { filters: [{ suffix: { source: '/device2' } }] }, matches: false },
    { name: 'all of several', spec: { filters: [{ all: [{ prefix: { type: 'io.kiot' } }, { exact: { subject: 'temperature' } }] }] }, matches: true },
    { name: 'all fails when one fails', spec: { filters: [{ all: [{ prefix: { type: 'io.kiot' } }, { exact: { subject: 'humidity' } }] }] }, matches: false },
    { name: 'any of several', spec: { filters: [{ any: [{ exact: { subject: 'humidity' } }, { exact: { subject: 'temperature' } }] }] }, matches: true },
    { name: 'any fails when none match', spec: { filters: [{ any: [{ exact: { subject: 'a' } }, { exact: { subject: 'b' } }] }] }, matches: false },
    { name: 'not', spec: { filters: [{ not: { exact: { type: 'io.kiot.telemetry.rejected.v1' } } }] }, matches: true },
    { name: 'not of a match', spec: { filters: [{ not: { prefix: { type: 'io.kiot' } } }] }, matches: false },
    { name: 'the filters list is an AND', spec: { filters: [{ prefix: { type: 'io.kiot' } }, { exact: { application: 'nope' } }] }, matches: false },
    { name: 'filters win over filter (Knative ignores filter then)', spec: { filter: { attributes: { application: 'nope' } }, filters: [{ exact: { application: 'demo' } }] }, matches: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(compileFilters(c.spec, 'test')(ev), c.matches));

  const invalid: [string, unknown, RegExp][] = [
    ['two dialects in one item', [{ exact: { type: 'a' }, prefix: { type: 'b' } }], /exactly one dialect/],
    ['an unknown dialect', [{ regex: { type: 'a' } }], /exactly one dialect/],
    ['an empty all', [{ all: [] }], /non-empty list/],
    ['an attribute name that is not lowercase alphanumeric', [{ exact: { 'my-ext': 'a' } }], /\^\[a-z\]\[a-z0-9\]\*\$/],
    ['CESQL', [{ cesql: "type = 'x'" }], /CESQL filters are not supported/],
  ];
  for (const [name, filters, msg] of invalid) it(`refuses ${name} at load time`, () => assert.throws(() => compileFilters({ filters }, 'Trigger t'), (e: Error) => e instanceof FilterError && msg.test(e.message)));
});
