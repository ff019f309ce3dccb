/**
 * The Grafana dashboard: valid for file provisioning, and every panel and variable query returns
 * the expected series from a real InfluxDB 1.x (InfluxQL) holding what the writer writes.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { rejectLine, toLines } from '../functions/influx-writer/src/points';
import { INFLUX1_URL as INFLUX1, needInfluxDB1 } from './support/services';

const ROOT = join(__dirname, '..');
const dashboard = JSON.parse(readFileSync(join(ROOT, 'grafana/dashboards/kiot-telemetry.json'), 'utf8')) as {
  uid: string; title: string; schemaVersion: number;
  panels: { id: number; title: string; type: string; datasource: { uid: string }; gridPos: object; targets: { query: string; refId: string; datasource: { uid: string } }[] }[];
  templating: { list: { name: string; query: string; datasource: { uid: string } }[] };
};
const T0 = Date.parse('2026-05-01T10:00:00.000Z');
// A database of its own per run: the dashboard's queries name no database (the datasource does).
const DB = `kiot_test_${process.pid}_${Date.now()}`;
const mapping = { measurements: {}, tags: [], integerFields: [], fields: [], precision: 'ms' as const };

/** What Grafana substitutes before it sends a query: time range, interval, variables. */
function render(query: string, vars: Record<string, string>): string {
  return query
    .replace(/\$timeFilter/g, `time >= ${T0}ms AND time <= ${T0 + 3_600_000}ms`)
    .replace(/\$__interval/g, '1m')
    .replace(/\$(application|device|channel)\b/g, (_, v: string) => vars[v] ?? '.*');
}

async function influxql(q: string): Promise<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[]> {
  const res = await fetch(`${INFLUX1}/query?${new URLSearchParams({ db: DB, q, epoch: 'ms' }).toString()}`);
  const body = (await res.json()) as { results: { error?: string; series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[] };
  assert.equal(body.results[0]!.error, undefined, `${q}: ${body.results[0]!.error}`);
  return body.results[0]!.series ?? [];
}

describe('grafana dashboard "kiot telemetry"', function () {
  this.timeout(30_000);

  it('is what Grafana file provisioning expects', () => {
    assert.equal(dashboard.uid, 'kiot-telemetry');
    assert.equal(dashboard.title, 'kiot telemetry');
    assert.ok(dashboard.schemaVersion >= 36);
    const ds = load(readFileSync(join(ROOT, 'grafana/provisioning/datasources/kiot.yaml'), 'utf8')) as { datasources: { uid: string; type: string }[] };
    const uids = ds.datasources.map((d) => d.uid);
    const prov = load(readFileSync(join(ROOT, 'grafana/provisioning/dashboards/kiot.yaml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] };
    assert.equal(prov.providers[0]!.type, 'file');
    assert.deepEqual(dashboard.panels.map((p) => p.title), ['Temperature per device', 'Latest temperature per device', 'Readings per second', 'Rejected events']);
    for (const p of dashboard.panels) {
      assert.ok(uids.includes(p.datasource.uid), `${p.title}: datasource ${p.datasource.uid} is provisioned`);
      assert.ok(p.gridPos && p.targets.length > 0);
      for (const t of p.targets) assert.ok(uids.includes(t.datasource.uid));
    }
    assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['application', 'device', 'channel']);
  });

  describe('queries against InfluxDB 1.x', () => {
    before(async function () {
      await needInfluxDB1(this);
      const created = await fetch(`${INFLUX1}/query?q=${encodeURIComponent(`CREATE DATABASE "${DB}"`)}`, { method: 'POST' });
      assert.equal(created.status, 200);
      // Fixture: two devices, one reading a minute for 10 minutes, plus two rejects, as the writer writes them.
      const lines: string[] = [];
      for (const [device, base] of [['d1', 20], ['d2', 30]] as const) {
        for (let i = 0; i < 10; i++) {
          lines.push(...toLines({ application: 'demo', device, channel: 'temperature', extensions: {} }, { records: [{ time: new Date(T0 + i * 60_000).toISOString(), values: { temperature: base + i } }] }, mapping));
        }
      }
      lines.push(rejectLine({ application: 'demo', device: 'd1', channel: 'temperature', extensions: {} }, new Date(T0 + 30_000).toISOString(), [{ instancePath: '/temperature', message: 'must be number' }], 'ms'));
      lines.push(rejectLine({ application: 'demo', device: 'd1', channel: 'temperature', extensions: {} }, new Date(T0 + 90_000).toISOString(), [{ instancePath: '/temperature', message: 'must be number' }], 'ms'));
      const res = await fetch(`${INFLUX1}/write?db=${DB}&precision=ms`, { method: 'POST', body: lines.join('\n') });
      assert.equal(res.status, 204, await res.text());
    });

    after(async () => { await fetch(`${INFLUX1}/query?q=${encodeURIComponent(`DROP DATABASE "${DB}"`)}`, { method: 'POST' }).catch(() => undefined); });

    const panel = (title: string) => dashboard.panels.find((p) => p.title === title)!.targets[0]!.query;

    it('temperature per device over time: one series per device, the values written', async () => {
      const series = await influxql(render(panel('Temperature per device'), {}));
      assert.deepEqual(series.map((s) => s.tags?.['device']), ['d1', 'd2']);
      const d1 = series[0]!.values.filter((v) => v[1] !== null).map((v) => v[1]);
      assert.deepEqual(d1, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    });

    it('latest value per device, and the device variable narrows it', async () => {
      const all = await influxql(render(panel('Latest temperature per device'), {}));
      assert.deepEqual(all.map((s) => [s.tags?.['device'], s.values[0]![1]]), [['d1', 29], ['d2', 39]]);
      const one = await influxql(render(panel('Latest temperature per device'), { device: 'd2' }));
      assert.deepEqual(one.map((s) => s.tags?.['device']), ['d2']);
    });

    it('readings per second: two readings a minute in total → 2/60 per second', async () => {
      const series = await influxql(render(panel('Readings per second'), {}));
      const rates = series[0]!.values.map((v) => v[1] as number);
      assert.ok(Math.abs(rates[0]! - 2 / 60) < 1e-9, String(rates[0]));
    });

    it('rejected events per device', async () => {
      const series = await influxql(render(panel('Rejected events'), {}));
      const d1 = series.find((s) => s.tags?.['device'] === 'd1')!;
      assert.equal(d1.values.reduce((n, v) => n + (v[1] as number), 0), 2);
    });

    it('variables list the applications, devices and channels', async () => {
      const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.query]));
      const values = async (q: string) => (await influxql(render(q, {})))[0]!.values.map((v) => v[1]);
      assert.deepEqual(await values(vars['application']!), ['demo']);
      assert.deepEqual(await values(vars['device']!), ['d1', 'd2']);
      assert.deepEqual(await values(vars['channel']!), ['temperature']);
    });
  });
});
