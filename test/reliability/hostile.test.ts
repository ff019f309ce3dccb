/**
 * 3. Bad input against the running local stack: invalid CloudEvents (the official conformance
 * vectors plus generated mutations) at every function, and hostile connections at the MQTT endpoint.
 * Every answer is the documented one, no process crashes or restarts, memory stays bounded, and a
 * well-behaved device publishing meanwhile loses nothing.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rawPost } from '../support/runtime';
import { startStack, type Stack } from '../support/stack';
import { eventually, exportSeries, needVictoriaMetrics } from '../support/services';
import { record } from './report';
import { connectFlood, mqttAttacks, processGroupRss, startBystander, type Bystander } from './hostile-support';
import { rng } from '../support/seeded';
import { reference } from '../support/reference';

const VECTORS = reference('cloudevents-conformance/format/json/invalid-events.json');
const PER_FUNCTION = 600;
const MQTT_CASES = 2000;
const FLOOD = 300;

/** Each function's port variable and the type it takes (what a valid event for it looks like). */
const TARGETS = {
  converter: { port: 'CONVERTER_PORT', type: 'io.kiot.telemetry.raw.v1', data: '{"temperature": 21.5}' },
  validator: { port: 'VALIDATOR_PORT', type: 'io.kiot.telemetry.converted.v1', data: '{"records":[{"time":"2026-06-01T00:00:00.000Z","values":{"temperature":21.5}}]}' },
  'influx-writer': { port: 'INFLUX_WRITER_PORT', type: 'io.kiot.telemetry.validated.v1', data: '{"records":[{"time":"2026-06-01T00:00:00.000Z","values":{"temperature":21.5}}]}' },
  'live-console': { port: 'CONSOLE_PORT', type: 'io.kiot.telemetry.raw.v1', data: '{"temperature": 21.5}' },
} as const;
type Target = (typeof TARGETS)[keyof typeof TARGETS];

/** The official invalid vectors (structured mode, the type made the function's own) and generated binary-mode mutations. */
function cases(t: Target, seed: number): { name: string; headers: Record<string, string>; body: Buffer }[] {
  const vectors = (JSON.parse(readFileSync(VECTORS, 'utf8')) as { tests: { id: string; event: Record<string, unknown> }[] }).tests.map((v) => ({
    name: `vector ${v.id}`,
    headers: { 'content-type': 'application/cloudevents+json' },
    body: Buffer.from(JSON.stringify(v.event['type'] === 'io.cloudevents.test' ? { ...v.event, type: t.type } : v.event)),
  }));
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const valid = (): Record<string, string> => ({ 'ce-specversion': '1.0', 'ce-id': `h${Math.floor(r() * 1e9)}`, 'ce-type': t.type, 'ce-source': 'kiot://demo/hostile', 'ce-application': 'demo', 'ce-device': 'hostile', 'ce-subject': 'temperature', 'content-type': 'application/json' });
  const mutations: [string, (h: Record<string, string>) => Buffer][] = [
    ['no ce-id', (h) => (delete h['ce-id'], Buffer.from(t.data))],
    ['no ce-source', (h) => (delete h['ce-source'], Buffer.from(t.data))],
    ['no ce-type', (h) => (delete h['ce-type'], Buffer.from(t.data))],
    ['another specversion', (h) => ((h['ce-specversion'] = pick(['0.3', '2.0', '', 'x', '1'])), Buffer.from(t.data))],
    ['a garbage time', (h) => ((h['ce-time'] = pick(['lunchtime', '2026-13-01T00:00:00Z', '0', ''])), Buffer.from(t.data))],
    ['an empty id', (h) => ((h['ce-id'] = ''), Buffer.from(t.data))],
    ['a bad extension name', (h) => ((h[pick(['ce-bad_name', 'ce-a.b', 'ce-x-y'])] = 'x'), Buffer.from(t.data))],
    ['a type no trigger sends here', (h) => ((h['ce-type'] = pick(['io.kiot.telemetry.rejected.v2', 'com.example.other', 'x'.repeat(500)])), Buffer.from(t.data))],
    ['random bytes declared JSON', () => randomBytes(1 + Math.floor(r() * 300))],
    ['truncated JSON', () => Buffer.from(t.data.slice(0, Math.floor(r() * t.data.length)))],
    ['structured garbage', (h) => { for (const k of Object.keys(h)) delete h[k]; h['content-type'] = 'application/cloudevents+json'; return Buffer.from(pick(['{', '[]', 'null', '{"specversion":"1.0"}', randomBytes(40).toString('latin1')])); }],
    ['a batch', (h) => { for (const k of Object.keys(h)) delete h[k]; h['content-type'] = 'application/cloudevents-batch+json'; return Buffer.from('[]'); }],
    ['a huge header', (h) => ((h['ce-padding'] = 'p'.repeat(20_000)), Buffer.from(t.data))],
    ['a prototype key', (h) => ((h['ce-__proto__'] = 'x'), Buffer.from('{"__proto__":{"polluted":true},"records":[]}'))],
    // A few KB that JSON.parse takes but JSON.stringify and any walk over them cannot (core nesting.ts).
    ['data nested thousands deep', () => { const n = 3000 + Math.floor(r() * 20_000); return Buffer.from(t.data.replace('21.5', `${'['.repeat(n)}${']'.repeat(n)}`)); }],
    // Read with U+FFFD for its é it would parse (core json-bytes.ts): JSON must be UTF-8.
    ['JSON in Latin-1', () => Buffer.from(t.data.replace('21.5', '"d\xe9faut"'), 'latin1')],
  ];
  const generated = Array.from({ length: PER_FUNCTION - vectors.length }, () => {
    const [name, mutate] = pick(mutations);
    const headers = valid();
    const body = mutate(headers);
    return { name, headers, body };
  });
  return [...vectors, ...generated];
}

// Even what the runtime's SDK cannot build an event from at all (no type or source, a batch) gets
// kiot's 400: the runtime kiot builds hands it on instead of answering 500 (scripts/build.mjs).
function expected(caseName: string, fn: string, body: Buffer): readonly number[] {
  if (caseName === 'a huge header') return [431];
  // A valid event of a type this stage does not take: stages answer 422, the console shows any type.
  if (caseName === 'a type no trigger sends here') return fn === 'live-console' ? [204] : [422];
  // Data declared JSON that is none reaches the function as its bytes (scripts/build.mjs): a stage
  // cannot use it (422), the console shows it. An empty body is still the runtime's 400.
  if ((caseName === 'random bytes declared JSON' || caseName === 'truncated JSON') && body.length > 0) return fn === 'live-console' ? [204] : [422];
  // Data too deep to walk: a stage refuses it by name (422), the console says what it is.
  if (caseName === 'data nested thousands deep' || caseName === 'JSON in Latin-1') return fn === 'live-console' ? [204] : [422];
  return [400];
}

describe('reliability 3: bad input against every running process', function () {
  this.timeout(300_000);
  let stack: Stack;
  let bystander: Bystander;
  const run = `h${Date.now().toString(36)}`;

  before(async function () {
    await needVictoriaMetrics(this);
    stack = await startStack({ MQTT_CONNECT_TIMEOUT_MS: '1000' });
    bystander = await startBystander(stack, `${run}-bystander`);
  });
  after(async () => {
    await bystander?.stop().catch(() => undefined);
    await stack?.stop();
  });


  for (const [name, target] of Object.entries(TARGETS)) {
    it(`${name}: ${PER_FUNCTION} invalid CloudEvents (conformance vectors + generated) get the documented status; no crash, memory bounded`, async () => {
      const url = `http://127.0.0.1:${stack.ports[target.port]}/`;
      const pid = stack.pid(name);
      const rssBefore = processGroupRss(pid);
      const statuses = new Map<number, number>();
      for (const c of cases(target, name.length * 7919)) {
        const status = await rawPost(url, c.headers, c.body);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const documented = expected(c.name, name, c.body);
        assert.ok(documented.includes(status), `${name}, ${c.name}: ${status}, documented ${documented.join(' or ')}`);
      }
      const rssAfter = processGroupRss(pid);
      assert.equal(stack.starts(name), 1, `${name} never crashed or restarted`);
      assert.ok(rssAfter - rssBefore < 48, `${name} RSS grew ${rssAfter - rssBefore} MB`);
      const ok = await rawPost(url, { 'ce-specversion': '1.0', 'ce-id': 'fine', 'ce-type': target.type, 'ce-source': 'kiot://demo/fine', 'ce-application': 'demo', 'ce-device': `${run}-fine`, 'ce-subject': 'temperature', 'content-type': 'application/json' }, Buffer.from(target.data));
      assert.ok(ok >= 200 && ok < 300, `a valid event afterwards: ${ok}`);
      record('hostile', ['target', 'cases', 'answers', 'crashes', 'RSS before → after'], [name, PER_FUNCTION, [...statuses].sort(([a], [b]) => a - b).map(([k, v]) => `${k} ×${v}`).join(', '), 0, `${rssBefore} → ${rssAfter} MB`]);
    });
  }

  it('http-ingest: a request that claims to be a CloudEvent, valid or not, gets 400 naming why (devices send readings)', async () => {
    const url = `http://127.0.0.1:${stack.ports['HTTP_INGEST_PORT']}/?channel=temperature`;
    const auth = { authorization: `Basic ${Buffer.from('device1@demo:demo-secret').toString('base64')}` };
    const claims: [string, Record<string, string>, string][] = [
      ['binary, no source', { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'content-type': 'application/json' }, '{"t":1}'],
      ['binary, valid', { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't', 'ce-source': '/s', 'content-type': 'application/json' }, '{"t":1}'],
      ['structured, numeric id', { 'content-type': 'application/cloudevents+json' }, '{"specversion":"1.0","id":1,"source":"/s","type":"t"}'],
      ['a batch', { 'content-type': 'application/cloudevents-batch+json' }, '[]'],
    ];
    for (const [name, headers, body] of claims) {
      const res = await fetch(url, { method: 'POST', headers: { ...auth, ...headers }, body });
      assert.equal(res.status, 400, name);
      assert.match(((await res.json()) as { message: string }).message, /takes device readings, not CloudEvents/, name);
    }
  });

  it(`MQTT endpoint: ${MQTT_CASES} hostile connections are each closed; no crash, memory bounded`, async () => {
    const pid = stack.pid('mqtt-endpoint');
    const rssBefore = processGroupRss(pid);
    const r = await mqttAttacks(stack.ports['MQTT_PORT']!, MQTT_CASES, 20261125);
    const rssAfter = processGroupRss(pid);
    assert.deepEqual(r.stillOpen, [], 'every hostile connection was closed by the endpoint');
    assert.equal(stack.starts('mqtt-endpoint'), 1, 'the endpoint never crashed or restarted');
    assert.ok(rssAfter - rssBefore < 64, `endpoint RSS grew ${rssAfter - rssBefore} MB`);
    record('hostile', ['target', 'cases', 'answers', 'crashes', 'RSS before → after'], ['MQTT endpoint', MQTT_CASES, [...r.kinds].map(([k, v]) => `${k} ×${v}`).join(', ') + `; all closed, slowest after ${r.slowestCloseMs} ms`, 0, `${rssBefore} → ${rssAfter} MB`]);
  });

  it(`MQTT endpoint: a flood of ${FLOOD} CONNECTs with a wrong password is refused (0x86, then 0x97 once the address is over its limit)`, async () => {
    const codes = await connectFlood(`mqtt://127.0.0.1:${stack.ports['MQTT_PORT']}`, FLOOD);
    assert.equal(codes.get(0) ?? 0, 0, 'no wrong password was accepted');
    assert.ok((codes.get(0x86) ?? 0) > 0 && (codes.get(0x97) ?? 0) > 0, JSON.stringify([...codes]));
    assert.equal([...codes.values()].reduce((a, b) => a + b, 0), FLOOD);
    record('hostile', ['target', 'cases', 'answers', 'crashes', 'RSS before → after'], ['MQTT CONNECT flood (wrong password, one address)', FLOOD, [...codes].map(([k, v]) => `0x${k.toString(16)} ×${v}`).join(', '), 0, '—']);
  });

  it('the well-behaved device publishing all along (HTTP and MQTT QoS 1) lost nothing', async () => {
    const r = await bystander.stop();
    assert.ok(r.sent > 20, `sent ${r.sent}`);
    assert.deepEqual(r.refused, [], 'no reading of the bystander was refused');
    const stored = await eventually(async () => {
      const values = (await exportSeries(`{__name__="temperature_temperature",device="${run}-bystander"}`)).flatMap((x) => x.values);
      return new Set(values).size === r.sent ? values : undefined;
    }, 30_000, 250);
    record('hostile', ['target', 'cases', 'answers', 'crashes', 'RSS before → after'], ['bystander device, publishing throughout', r.sent, `${r.sent} acked, ${new Set(stored).size} stored`, 0, '—']);
  });
});
