// What a newcomer's first hour with the pages turned up (issue "UI polish"): panels wide enough for
// their columns, campaign names never broken, one empty-state label, recent calls ordered by the
// time they show, a recording's length beside its player, and the example integrator page saying
// where it belongs when it is opened on its own. Screenshots are saved beside the other artifacts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { call, launch, mock, origin } from './harness.mjs';

const control = (instance, route, body) => call(mock.main, instance, route, { method: 'POST', body });

/** Opens the dashboard of `instance` at `width`x`height`, live and drawn. */
async function dashboard(browser, instance, width = 1280, height = 800) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${origin(mock.main, instance)}/`);
  await page.waitForFunction((name) => document.querySelector('#instance').textContent === name, instance);
  await page.waitForFunction(() => document.querySelector('#campaigns table'));
  return { page, errors };
}

/** `[section id, scrollWidth, clientWidth]` of every panel's scrolling table. */
// Measured in one evaluation: the pages redraw their panels as the world changes, and an element found
// by one call (`$eval`'s query) may be detached by the time another measures it (no layout, no style).
const widths = (page) => page.evaluate(() => [...document.querySelectorAll('main section')].flatMap((s) =>
  [...s.querySelectorAll('.scroll')].map((scroll) => [s.id, scroll.scrollWidth, scroll.clientWidth])));

test('the calls and spool panels show every column at 1280 and at 1024 wide', async () => {
  const instance = 'newcomer-widths';
  for (const from of ['099123456', '099234567', '099345678', '099456789']) {
    assert.equal((await control(instance, '/_mock/calls', { campaign: 'Out<-', from })).status, 200);
  }
  for (const [campaign, destination] of [['nombreCampaña->', '099111222'], ['Power<-', '099333444'], ['Ventas->', '099555666']]) {
    const respool = await control(instance, '/_mock/portal/Agente8',
      { action: 'respool', objetoRespool: { campaign, destination, alternatives: '099000000', data: 'id=7', priority: 5 } });
    assert.equal(respool.status, 200, JSON.stringify(respool.body));
  }
  await control(instance, '/_mock/clock', { advance: 5 });
  const browser = await launch();
  try {
    const { page, errors } = await dashboard(browser, instance);
    await page.waitForFunction(() => document.querySelectorAll('#calls tbody tr').length >= 4
      && document.querySelectorAll('#spool tbody tr').length >= 3);
    const shot = path.join(mock.artifacts, 'dashboard-1280.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`# dashboard at 1280x800: ${shot}`);
    const at1280 = await widths(page);
    assert.ok(at1280.some(([id]) => id === 'calls') && at1280.some(([id]) => id === 'spool'), JSON.stringify(at1280));
    for (const [id, scrollWidth, clientWidth] of at1280) {
      assert.ok(scrollWidth <= clientWidth, `at 1280 wide, #${id} is clipped: ${scrollWidth} > ${clientWidth}`);
    }
    // Every column of the calls, with the time it began on one line.
    const heads = await page.$$eval('#calls th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(heads, ['guid', 'campaign', 'direction', 'customer', 'agent', 'phase', 'since']);

    await page.setViewportSize({ width: 1024, height: 768 });
    await page.waitForFunction(() => document.querySelector('#calls .scroll').clientWidth < 1000);
    for (const [id, scrollWidth, clientWidth] of await widths(page)) {
      if (id === 'calls' || id === 'spool') {
        assert.ok(scrollWidth <= clientWidth, `at 1024 wide, #${id} is clipped: ${scrollWidth} > ${clientWidth}`);
      }
    }
    await page.screenshot({ path: path.join(mock.artifacts, 'dashboard-1024.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

/** How many lines each `selector` element's text takes, and its computed white-space. */
const lines = (page, selector) => page.evaluate((selector) => [...document.querySelectorAll(selector)].map((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  return { text: cell.textContent, lines: tops.size, whiteSpace: getComputedStyle(cell).whiteSpace };
}), selector);

/** The text and look of the element `selector` names (`previous`: of the element before it). */
const look = (page, selector, previous = false) => page.evaluate(([selector, previous]) => {
  let node = document.querySelector(selector);
  if (previous) node = node.previousElementSibling;
  const style = getComputedStyle(node);
  return { text: node.textContent.trim(), color: style.color, fontStyle: style.fontStyle, fontSize: style.fontSize };
}, [selector, previous]);

test('campaign names are never broken inside', async () => {
  const instance = 'newcomer-campaigns';
  await control(instance, '/_mock/portal/Agente8',
    { action: 'respool', objetoRespool: { campaign: 'nombreCampaña->', destination: '099111222', priority: 5 } });
  const guid = (await control(instance, '/_mock/calls', { campaign: 'Out<-', from: '099123456' })).body.guid;
  await control(instance, '/_mock/clock', { advance: 5 });
  const agent = (await call(mock.main, instance, '/_mock/state/calls')).body.find((c) => c.guid === guid).agent;
  assert.ok(agent, 'the call was answered');
  const browser = await launch();
  try {
    // Narrow enough that a breakable name would break.
    const { page } = await dashboard(browser, instance, 1024, 768);
    await page.waitForFunction(() => document.querySelectorAll('#spool tbody tr').length >= 1);
    const cells = await lines(page, 'td.campaign');
    const names = new Set(cells.map((c) => c.text));
    for (const name of ['nombreCampaña->', 'nombreCampaña<-', 'Power<-', 'Ventas->', 'Out<-']) {
      assert.ok(names.has(name), `${name} is shown`);
    }
    for (const cell of cells) {
      assert.equal(cell.whiteSpace, 'nowrap', cell.text);
      assert.equal(cell.lines, 1, `${cell.text} takes ${cell.lines} lines`);
    }
    for (const id of ['campaigns', 'calls', 'cdrs', 'spool']) {
      assert.ok(await page.$(`#${id} td.campaign`), `#${id} marks its campaign cells`);
    }

    // The portal's current call names its campaign on one line too.
    const portal = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    await portal.goto(`${origin(mock.main, instance)}/portal?agent=${agent}`);
    await portal.waitForFunction(() => document.querySelector('#call dd.campaign'));
    const [campaign] = await lines(portal, '#call dd.campaign');
    assert.deepEqual(campaign, { text: 'Out<-', lines: 1, whiteSpace: 'nowrap' });
  } finally {
    await browser.close();
  }
});

test('every empty list says the same thing in the same style', async () => {
  const instance = 'newcomer-empty';
  const browser = await launch();
  try {
    const { page, errors } = await dashboard(browser, instance);
    const panels = ['calls', 'uploads', 'spool', 'schedules', 'tasks'];
    const seen = [];
    for (const id of panels) {
      // The panel holds the empty label and nothing else.
      assert.equal((await page.$eval(`#${id} > div`, (div) => div.textContent)).trim(), 'none yet', `#${id}`);
      seen.push(await look(page, `#${id} > div > .empty`));
    }
    // A call without a recording says it the same way.
    const noRecording = await page.$$eval('#cdrs td .empty', (nodes) => nodes.map((n) => n.textContent));
    assert.ok(noRecording.length > 0, 'the history holds an unanswered call');
    assert.ok(noRecording.every((text) => text === 'none yet'), JSON.stringify(noRecording));
    const body = await page.$eval('main', (main) => main.textContent);
    assert.doesNotMatch(body, /no calls|no uploads|\bempty\b|\bnone\b(?! yet)/);

    // The portal's empty current call and message log too.
    const portal = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await portal.goto(`${origin(mock.main, instance)}/portal?agent=Agente3`);
    await portal.waitForFunction(() => document.querySelector('#call .empty'));
    seen.push(await look(portal, '#call .empty'));
    seen.push(await look(portal, '#log', true));
    for (const [i, label] of seen.entries()) assert.deepEqual(label, seen[0], `label ${i} of ${JSON.stringify(seen)}`);
    assert.equal(seen[0].text, 'none yet');
    assert.equal(seen[0].fontStyle, 'italic');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('recent calls are newest first by the calldate they show', async () => {
  const instance = 'newcomer-cdr-order';
  const state = async (table) => (await call(mock.main, instance, `/_mock/state/${table}`)).body;
  // A long call, then a short one that begins after it and ends before it: its CDR is written first.
  const long = (await control(instance, '/_mock/calls', { campaign: 'Out<-', from: '099100001' })).body.guid;
  await control(instance, '/_mock/clock', { advance: 10 });
  const short = (await control(instance, '/_mock/calls', { campaign: 'Out<-', from: '099100002' })).body.guid;
  await control(instance, '/_mock/clock', { advance: 10 });
  const agent = (await state('calls')).find((c) => c.guid === short).agent;
  assert.ok(agent, 'the short call was answered');
  assert.deepEqual((await control(instance, `/_mock/portal/${agent}`, { action: 'hangup' })).body.data, { result: '1' });
  await control(instance, '/_mock/clock', { advance: 3600 });
  const cdrs = await state('cdrs');
  const lastId = (guid) => Math.max(...cdrs.filter((c) => c.guid === guid).map((c) => c.id));
  const began = (guid) => cdrs.filter((c) => c.guid === guid).sort((a, b) => a.sequence - b.sequence)[0].calldate;
  assert.ok(lastId(short) < lastId(long), 'the short call ended first: written first');
  assert.ok(began(short) > began(long), 'the short call began last');

  const browser = await launch();
  try {
    const { page } = await dashboard(browser, instance);
    await page.waitForFunction((guid) => document.querySelector('#cdrs').textContent.includes(guid), long);
    const { heads, rows } = await page.$eval('#cdrs table', (table) => ({
      heads: [...table.querySelectorAll('th')].map((th) => th.textContent),
      rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
    }));
    const at = heads.findIndex((h) => h.startsWith('calldate'));
    assert.ok(at >= 0, `a calldate column: ${heads}`);
    const shown = rows.map((row) => [row[0], row[at]]);
    assert.deepEqual(shown.slice(0, 2), [[short, began(short)], [long, began(long)]]);
    for (const [guid, calldate] of shown) {
      const legs = cdrs.filter((c) => c.guid === guid);
      if (legs.length) assert.equal(calldate, began(guid), `${guid} shows its first leg's calldate`);
    }
    for (let i = 1; i < shown.length; i += 1) {
      assert.ok(shown[i - 1][1] >= shown[i][1], `row ${i}: ${shown[i - 1][1]} before ${shown[i][1]}`);
    }
    assert.ok(shown.length > 2, 'the history is shown too');
  } finally {
    await browser.close();
  }
});

test("a recording's length is shown beside its player", async () => {
  const instance = 'newcomer-recording';
  const guid = (await control(instance, '/_mock/calls', { campaign: 'Out<-', from: '099100003' })).body.guid;
  await control(instance, '/_mock/clock', { advance: 3600 });
  const pinned = await control(instance, `/_mock/recordings/${guid}`, { host: 'main', folder: 'dated', format: 'mp3' });
  assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
  const seconds = (await call(mock.main, instance, '/_mock/state/recordings')).body.find((r) => r.guid === guid).seconds;
  assert.ok(seconds > 0);
  const asClock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  const browser = await launch();
  try {
    const { page, errors } = await dashboard(browser, instance);
    const row = page.locator('#cdrs tr', { hasText: guid });
    await row.locator('audio').waitFor();
    // Off screen, the player reads nothing yet: the page does not make every recording's file.
    assert.equal(await row.locator('audio').getAttribute('preload'), 'none');
    assert.equal(await row.locator('.player .duration').textContent(), asClock);
    assert.match(await row.locator('.player .duration').getAttribute('title'), new RegExp(`${seconds} s`));
    // On screen, the player reads its metadata by itself and knows the same length.
    await row.scrollIntoViewIfNeeded();
    await row.locator('audio[preload="metadata"]').waitFor();
    const duration = await row.locator('audio').evaluate((audio) => new Promise((resolve) => {
      const check = () => (Number.isFinite(audio.duration) ? resolve(audio.duration) : setTimeout(check, 50));
      check();
    }));
    assert.ok(Math.abs(duration - seconds) < 0.2, `the player says ${duration}, the CDR ${seconds}`);
    // A GSM recording not yet converted shows its length beside the convert button.
    const gsm = page.locator('#cdrs tr', { has: page.getByRole('button', { name: 'Convert GSM to MP3' }) }).first();
    assert.match(await gsm.locator('.player .duration').textContent(), /^\d+:\d\d$/);
    await page.screenshot({ path: path.join(mock.artifacts, 'dashboard-recording.png') });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('/portal/example opened on its own says it belongs inside the portal', async () => {
  const instance = 'newcomer-example';
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${origin(mock.main, instance)}/portal/example`);
    const notice = page.locator('#standalone');
    assert.ok(await notice.isVisible(), 'the notice is shown');
    assert.match(await notice.textContent(), /meant to be loaded inside the portal/);
    assert.match(await notice.textContent(), /porthole\.js/);
    // It is the first thing on the page.
    assert.equal(await page.$eval('body', (body) => body.firstElementChild.id), 'standalone');
    const link = notice.locator('a');
    assert.equal(await link.getAttribute('href'), '/portal?agent=Agente1');
    await page.screenshot({ path: path.join(mock.artifacts, 'example-alone.png') });
    await link.click();
    await page.waitForURL(/\/portal\?agent=Agente1$/);

    // Inside the portal the same page says nothing of it.
    const frame = await (async () => {
      for (let i = 0; i < 100; i += 1) {
        const found = page.frames().find((f) => f.url().endsWith('/portal/example'));
        if (found && (await found.evaluate(() => document.readyState).catch(() => '')) === 'complete') return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the portal did not load the example');
    })();
    assert.equal(await frame.evaluate(() => window.name), 'integrator');
    assert.equal(await frame.locator('#standalone').isVisible(), false);
  } finally {
    await browser.close();
  }
});
