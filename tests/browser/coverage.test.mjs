// The coverage page (docs/contract.md, section 13): the numbers of /_mock/coverage for one
// instance, in a real browser, linked from the dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { call, launch, mock, origin } from './harness.mjs';

test('the coverage page shows the numbers the control API reports', async () => {
  const instance = 'coverage-page';
  const login = await call(mock.main, instance, '/Integra/resources/auth/getUserToken',
    { method: 'POST', form: { user: 'admin', password: 'admin' } });
  assert.equal(login.status, 200);
  const token = login.body[2];
  const post = (route, form) => fetch(`${mock.main}/Integra/resources/${route}`, {
    method: 'POST',
    headers: { 'X-Mock-Instance': instance, Authorization: `Basic ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  assert.equal(await (await post('admin/addblack', { blacklist: '{"phone":"099","campaign":"*"}' })).text(), '1');
  assert.equal(await (await post('Dialers/RemoveContact', { campaign: 'Ventas->', numbre: '1' })).text(), '0');
  const report = (await call(mock.main, instance, `/_mock/coverage?instance=${instance}`)).body;

  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin(mock.main, instance)}/`);
    await page.click('a[href="/coverage"]');
    await page.waitForURL(/\/coverage$/);
    await page.goto(`${origin(mock.main, instance)}/coverage?instance=${instance}`);
    const { covered, declared, percent } = report.score;
    const score = `${covered} of ${declared} (${percent.toFixed(1)}%)`;
    await page.waitForFunction((score) => document.querySelector('#score').textContent === score, score);
    assert.equal(await page.$eval('#whose', (n) => n.textContent), `instance ${instance}`);
    const rows = await page.$$eval('#routes tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)));
    const expected = report.routes.map((r) => [r.route, String(r.requests), `${r.score.covered} of ${r.score.declared}`, `${r.score.percent.toFixed(1)}%`]);
    assert.deepEqual(rows, expected);
    assert.deepEqual(rows.find((r) => r[0] === 'admin/addblack'), ['admin/addblack', '1', '1 of 9', '11.1%']);
    const never = await page.$$eval('#uncovered tbody tr', (trs) => trs.length);
    assert.equal(never, report.uncovered.length);
    const wrong = await page.$eval('#lints', (n) => n.textContent);
    assert.match(wrong, /unknown-field/);
    assert.match(wrong, /unknown field numbre/);
    assert.match(wrong, /did you mean number\?/);
    await page.screenshot({ path: path.join(mock.artifacts, 'coverage.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
