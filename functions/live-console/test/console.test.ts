import { strict as assert } from 'node:assert';
import { CloudEvent, HTTP } from 'cloudevents';
import * as consoleFn from '../src/index';
import { SCRIPT } from '../src/page';
import { shown } from '../src/shown';
import { EventStore } from '../src/store';
import { startFunction, type Running } from '../../../test/support/runtime';

describe('live-console', () => {
  it('keeps only the last N events and hands out what came after a sequence number', () => {
    const s = new EventStore(3);
    for (let i = 0; i < 5; i++) s.add({ id: String(i), type: 't', application: 'a', device: 'd', channel: 'c', time: 'now', data: i });
    assert.deepEqual(s.after(0, 10).map((e) => e.data), [2, 3, 4]);
    assert.deepEqual(s.after(4, 10).map((e) => e.data), [4]);
    assert.equal(s.last, 5);
  });

  it('renders device data only as text: the script never parses strings as HTML', () => {
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) assert.ok(!SCRIPT.includes(sink), sink);
    assert.match(SCRIPT, /textContent/);
  });

  it('shows bytes as their text when they are UTF-8, else as base64, and cuts what is above the limit', () => {
    assert.equal(shown(Buffer.from('{"t":'), 100), '{"t":');
    assert.equal(shown(new Uint8Array(Buffer.from('21.5 °C')), 100), '21.5 °C');
    assert.deepEqual(shown(Buffer.from([0x03, 0x67, 0x01, 0x10, 0xff]), 100), { base64: 'A2cBEP8=' });
    assert.deepEqual(shown(Buffer.from([0x03, 0x67, 0x01, 0x10]), 100), { base64: 'A2cBEA==' }, 'UTF-8, but control characters');
    assert.equal(shown(Buffer.from('a\tb\r\n'), 100), 'a\tb\r\n');
    assert.deepEqual(shown({ t: 1 }, 100), { t: 1 });
    assert.deepEqual(shown(Buffer.from('x'.repeat(20)), 10), { truncated: true, preview: `"${'x'.repeat(9)}` });
    assert.equal(shown(undefined, 10), undefined);
  });

  it('names data too deep to write out as JSON instead of failing on it, and shows data 64 levels deep', () => {
    const deep: unknown = JSON.parse(`${'['.repeat(6000)}${']'.repeat(6000)}`);
    assert.deepEqual(shown({ t: deep }, 8192), { truncated: true, reason: 'data nests deeper than 64 levels of objects and arrays' });
    const at64: unknown = JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`);
    assert.deepEqual(shown(at64, 8192), at64);
  });

  describe('in faas-js-runtime', () => {
    let running: Running;
    before(async () => { running = await startFunction(consoleFn); });
    after(() => running.close());

    it('takes every kiot event with an empty 204 (never a reply event), and serves it to the page', async () => {
      const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.rejected.v1', source: 'kiot://demo/d1', subject: 'temperature', application: 'demo', device: 'd1', data: { data: { records: [] }, errors: [{ instancePath: '/temperature', message: 'must be number' }] } }));
      const res = await fetch(running.url, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as string });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('ce-type'), null);
      const list = (await (await fetch(`${running.url}/?view=events&since=0`)).json()) as { last: number; events: { type: string; device: string; data: { errors: unknown[] } }[] };
      assert.equal(list.events.at(-1)!.type, 'io.kiot.telemetry.rejected.v1');
      assert.equal(list.events.at(-1)!.device, 'd1');
      assert.equal(list.events.at(-1)!.data.errors.length, 1);
    });

    it('shows a payload of bytes (a device\'s LPP, text that is not JSON) as the page can show it, not as a Buffer\'s JSON', async () => {
      for (const [bytes, want] of [[Buffer.from('on'), 'on'], [Buffer.from([0x03, 0x67, 0x01, 0x10]), { base64: 'A2cBEA==' }]] as const) {
        const msg = HTTP.binary(new CloudEvent({ type: 'io.kiot.telemetry.raw.v1', source: 'kiot://demo/d2', subject: 'lpp', application: 'demo', device: 'd2', datacontenttype: 'application/octet-stream', data: bytes }));
        const res = await fetch(running.url, { method: 'POST', headers: msg.headers as Record<string, string>, body: msg.body as Buffer });
        assert.equal(res.status, 204);
        const list = (await (await fetch(`${running.url}/?view=events&since=0`)).json()) as { events: { device: string; data: unknown }[] };
        assert.deepEqual(list.events.at(-1)!.data, want);
      }
    });

    it('takes an event whose JSON data nests thousands deep with 204 (a 500 would be retried, then dead-lettered)', async () => {
      const headers = { 'ce-specversion': '1.0', 'ce-id': 'deep', 'ce-type': 'io.kiot.telemetry.raw.v1', 'ce-source': 'kiot://demo/d3', 'ce-subject': 'x', 'ce-application': 'demo', 'ce-device': 'd3', 'content-type': 'application/json' };
      const res = await fetch(running.url, { method: 'POST', headers, body: `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}` });
      assert.equal(res.status, 204);
      const list = (await (await fetch(`${running.url}/?view=events&since=0`)).json()) as { events: { id: string; data: unknown }[] };
      assert.deepEqual(list.events.at(-1), { ...list.events.at(-1), id: 'deep', data: { truncated: true, reason: 'data nests deeper than 64 levels of objects and arrays' } });
    });

    it('serves the page with a strict CSP, no inline script, and no wildcard CORS', async () => {
      const res = await fetch(`${running.url}/`, { headers: { origin: 'https://elsewhere.example' } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /text\/html/);
      assert.match(res.headers.get('content-security-policy')!, /script-src 'self'/);
      assert.notEqual(res.headers.get('access-control-allow-origin'), '*');
      const html = await res.text();
      assert.doesNotMatch(html, /<script>[^<]/);
      assert.equal((await fetch(`${running.url}/?asset=app.js`)).status, 200);
      assert.equal((await fetch(`${running.url}/?asset=../../etc/passwd`)).status, 404);
    });

    it('answers 400 to a since that is no sequence number, where it showed the events from the start', async () => {
      for (const since of ['abc', '-1', '1e400', '1.5']) {
        const res = await fetch(`${running.url}/?view=events&since=${since}`);
        assert.equal(res.status, 400, since);
        assert.match(((await res.json()) as { message: string }).message, /since is the sequence number/);
      }
      assert.equal((await fetch(`${running.url}/?view=events&since=0`)).status, 200);
    });

    it('answers HEAD as GET, headers and no body (an uptime monitor), where it answered 400 "expected a CloudEvent"', async () => {
      const res = await fetch(`${running.url}/`, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /text\/html/);
      assert.equal(await res.text(), '');
    });
  });
});
