// The dashboard (issue "The pages"): it shows the world moving without a reload (an injected call,
// an agent's pause, a clock move), its buttons act on the world, and a GSM recording converts and
// plays. A screenshot is saved beside the other artifacts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { call, launch, mock, origin } from './harness.mjs';

test('the dashboard follows the world live and acts on it', async () => {
  const instance = 'dashboard-live';
  const control = (route, body) => call(mock.main, instance, route, { method: 'POST', body });
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin(mock.main, instance)}/`);
    await page.waitForFunction(() => document.querySelector('#instance').textContent === 'dashboard-live');
    await page.waitForFunction(() => document.querySelector('#live').textContent.includes('live'));
    const text = (selector) => page.$eval(selector, (node) => node.textContent);
    assert.match(await text('#campaigns'), /Power<-/);
    assert.match(await text('#agents'), /Santiago/);
    assert.equal((await text('#calls > div')).trim(), 'none yet');

    // A call injected through the control API appears without a reload.
    const injected = await control('/_mock/calls', { campaign: 'Out<-', from: '099777888' });
    assert.equal(injected.status, 200);
    await page.waitForFunction((guid) => document.querySelector('#calls').textContent.includes(guid.slice(0, 8)),
      injected.body.guid);
    assert.match(await text('#calls'), /099777888/);

    // The clock moves on the page as on the server; the call ends and its CDR row appears.
    await page.click('#advance button[data-seconds="600"]');
    const now = (await call(mock.main, instance, '/_mock/clock')).body.now;
    await page.waitForFunction((now) => document.querySelector('#now').textContent === now, now);
    await page.waitForFunction((guid) => document.querySelector('#cdrs').textContent.includes(guid), injected.body.guid);
    await page.waitForFunction(() => document.querySelector('#calls > div').textContent.trim() === 'none yet');

    // campaignstatus as a wallboard reads it: callers waiting, and the average talk of the call.
    const outRow = () => page.evaluate(() => {
      const table = document.querySelector('#campaigns table');
      const heads = [...table.querySelectorAll('th')].map((th) => th.textContent);
      const row = [...table.querySelectorAll('tr')].find((tr) => tr.textContent.includes('Out<-'));
      const cells = [...row.querySelectorAll('td')].map((td) => td.textContent);
      return Object.fromEntries(heads.map((h, i) => [h, cells[i]]));
    });
    await page.waitForFunction(() => /-1/.test(document.querySelector('#campaigns').textContent));
    const out = await outRow();
    assert.equal(out.waiting, '0', JSON.stringify(out));
    assert.match(out['avg talk'], /^\d\d:\d\d:\d\d-1$/, JSON.stringify(out));
    assert.match(out['avg wait'], /^\d\d:\d\d:\d\d-1$/, JSON.stringify(out));

    // An agent paused from the page is paused in the world.
    const row = page.locator('#agents tr', { hasText: 'Agente2' });
    await row.getByRole('button', { name: 'pause' }).click();
    await page.waitForFunction(() => document.querySelector('#agents').textContent.includes('(paused)'));
    const agents = (await call(mock.main, instance, '/_mock/state/agents')).body;
    assert.equal(agents.find((a) => a.user === 'Agente2').paused, true);

    // The call's recording, pinned as GSM: the page offers convert, then plays the MP3.
    const pinned = await control(`/_mock/recordings/${injected.body.guid}`, { host: 'backup', folder: 'dated', format: 'gsm' });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    const cdr = page.locator('#cdrs tr', { hasText: injected.body.guid });
    await cdr.getByRole('button', { name: 'Convert GSM to MP3' }).click();
    const audio = cdr.locator('audio');
    await audio.waitFor();
    const src = await audio.getAttribute('src');
    assert.equal(new URL(src).port, new URL(mock.backup).port, 'played from the backup host');
    const duration = await audio.evaluate((element) => new Promise((resolve, reject) => {
      element.muted = true;
      element.addEventListener('loadedmetadata', () => resolve(element.duration), { once: true });
      element.addEventListener('error', () => reject(new Error(`media error ${element.error?.code}`)), { once: true });
      element.load();
    }));
    const recordings = (await call(mock.main, instance, '/_mock/state/recordings')).body;
    const seconds = recordings.find((r) => r.guid === injected.body.guid).seconds;
    assert.ok(Math.abs(duration - seconds) < 0.2, `duration ${duration}, billsec ${seconds}`);

    const shot = path.join(mock.artifacts, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`# dashboard screenshot: ${shot}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
