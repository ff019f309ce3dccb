/**
 * The live console in headless Chromium (Debian's chromium, driven by playwright-core) against the
 * running local stack: readings appear in the list and in the chart without a reload, a reject is
 * highlighted with its error, hostile device text stays text. A screenshot is kept as an artifact.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { eventually, needService, needVictoriaMetrics } from './support/services';
import { deviceAuth, startStack, type Stack } from './support/stack';

const ROOT = join(__dirname, '..');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

describe('live console in headless Chromium', function () {
  this.timeout(120_000);
  let stack: Stack;
  let browser: Browser;

  before(async function () {
    await needVictoriaMetrics(this);
    if (!existsSync(CHROMIUM)) await needService(this, 'Chromium', `file://${CHROMIUM}`, 'apt-get install chromium (scripts/services/install)');
    stack = await startStack();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const send = (body: string, device = 'device1') =>
    fetch(`http://127.0.0.1:${stack.ports['HTTP_INGEST_PORT']}/?channel=temperature${device === 'device1' ? '' : `&as=${device}`}`, {
      method: 'POST',
      headers: { authorization: device === 'device1' ? deviceAuth : `Basic ${Buffer.from('gateway1@demo:demo-gateway-secret').toString('base64')}`, 'content-type': 'application/json' },
      body,
    });

  it('shows readings in the list and the chart as they flow, highlights rejects, and keeps device text as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${stack.ports['CONSOLE_PORT']}/`);
    await page.waitForSelector('#status:has-text("live")');

    for (const [i, t] of [20.5, 21, 21.75, 22.5].entries()) {
      assert.equal((await send(JSON.stringify({ temperature: t, humidity: 40 + i }))).status, 202);
    }
    assert.equal((await send(JSON.stringify({ temperature: 19.5, note: '<img src=x onerror="window.__xss=1"><b>bold</b>' }), 'sensor-7')).status, 202);
    // A device name that is markup is refused at the door (400), before any page could show it.
    assert.equal((await send('{"temperature": 1}', 'sensor-<b>7</b>')).status, 400);
    assert.equal((await send('{"temperature": "hot"}')).status, 202);

    // No reload: the page picks these up by polling.
    // Polled from here: the page's CSP (rightly) forbids evaluating strings in it.
    const line = page.locator('figure[data-series="demo/device1/temperature"] polyline');
    await eventually(async () => ((await line.getAttribute('points').catch(() => null))?.trim().split(/\s+/).length === 4 ? true : undefined), 20_000);
    const points = await page.getAttribute('figure[data-series="demo/device1/temperature"] polyline', 'points');
    assert.equal(points!.trim().split(/\s+/).length, 4, `four temperature points: ${points}`);
    assert.match((await page.textContent('figure[data-series="demo/device1/temperature"] figcaption'))!, /device1 · temperature = 22.5/, 'the caption shows the latest reading by time');
    await page.waitForSelector('figure[data-series="demo/device1/humidity"]');

    await page.waitForSelector('tr.rejected td.errors');
    assert.match((await page.textContent('tr.rejected td.errors'))!, /\/temperature must be number/);

    await page.waitForSelector('td.data:has-text("<b>bold</b>")');
    assert.equal(await page.evaluate('window.__xss'), undefined);
    assert.equal(await page.locator('tbody img, tbody b').count(), 0, 'device text was parsed as HTML');
    assert.deepEqual(errors, []);

    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts/live-console.png'), fullPage: true });
  });
});
