// The agent portal (issue "The pages"): the portal on one origin hosts the example integrator page
// from another origin in a named iframe; the page's real porthole.js sends every documented action;
// each reply and its effect on the world are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { call, launch, mock, origin } from './harness.mjs';

const PORTHOLE_SHA256 = '1d3afda6336f7d0f7be27360f7b7c44c8c2b42ded87bc058c764560db41f72a1';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('the example page serves the real porthole.js', async () => {
  const response = await fetch(`${mock.main}/portal/porthole.min.js`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.equal(createHash('sha256').update(bytes).digest('hex'), PORTHOLE_SHA256);
  const licence = await (await fetch(`${mock.main}/portal/porthole.LICENSE`)).text();
  assert.match(licence, /Ternary Labs/);
});

test('every porthole action from a page on another origin drives the world', async () => {
  const instance = 'portal-actions';
  const state = async (table) => (await call(mock.main, instance, `/_mock/state/${table}`)).body;
  const advance = (seconds) => call(mock.main, instance, '/_mock/clock', { method: 'POST', body: { advance: seconds } });
  // The portal on http://portal-actions.localhost:<port>, the integrator page on http://127.0.0.1:<port>.
  const portalOrigin = origin(mock.main, instance);
  const pageUrl = `${mock.main}/portal/example`;
  assert.notEqual(new URL(pageUrl).origin, portalOrigin);
  await call(mock.main, instance, '/_mock/agents/Agente1', { method: 'POST', body: { action: 'logout' } });

  const browser = await launch();
  try {
    const portal = await browser.newPage();
    const errors = [];
    portal.on('pageerror', (e) => errors.push(e.message));
    await portal.goto(`${portalOrigin}/portal?agent=Agente1&url=${encodeURIComponent(pageUrl)}`);
    // The portal logged the agent in.
    await portal.waitForFunction(() => document.querySelector('#agent-name').textContent === 'Santiago');
    const agent = (await state('agents')).find((a) => a.user === 'Agente1');
    assert.equal(agent.logged_in, true);

    const frame = await waitForFrame(portal, 'integrator');
    assert.equal(new URL(frame.url()).origin, new URL(pageUrl).origin, 'the page is on its own origin');
    assert.equal(await frame.evaluate(() => window.name), 'integrator');
    assert.equal(await frame.evaluate(() => typeof Porthole.WindowProxy), 'function');

    let replies = 0;
    /** Clicks an action's button in the page and returns the reply the page's listener got. */
    const send = async (action) => {
      await frame.click(`#${action}`);
      replies += 1;
      const text = await frame.waitForFunction((n) => {
        const items = document.querySelectorAll('#replies li');
        return items.length >= n && items[n - 1].textContent;
      }, replies);
      const [name, ...json] = (await text.jsonValue()).split(' ');
      assert.equal(name, action);
      return JSON.parse(json.join(' '));
    };

    // The raw replies the frame receives: porthole's envelope, keys in order.
    await frame.evaluate(() => {
      window.rawReplies = [];
      window.addEventListener('message', (event) => window.rawReplies.push(event.data));
    });

    // call: a call from the agent's phone, as AgentCall, with the page's own callerid.
    await frame.fill('#call-callerid', '29001111');
    const placed = await send('call');
    assert.match(placed.guid, GUID);
    let calls = await state('calls');
    assert.deepEqual(calls.map((c) => [c.guid, c.agent, c.phone, c.customer, c.callerid, c.campaign]),
      [[placed.guid, 'Agente1', '1001', '091000000', '29001111', 'Sale->']]);
    const pageOrigin = new URL(pageUrl).origin;
    assert.deepEqual(await frame.evaluate(() => window.rawReplies), [JSON.stringify({
      data: { guid: placed.guid }, sourceOrigin: portalOrigin, targetOrigin: pageOrigin, sourceWindowName: '',
      targetWindowName: 'integrator' })]);

    // CTI: the current call's object, also kept in the portal's localStorage.
    const cti = await send('CTI');
    assert.deepEqual(Object.keys(cti.CTI), ['Guid', 'Screen', 'Form', 'Campaign', 'Callerid', 'ParAndValues', 'Beep', 'Answer']);
    assert.equal(cti.CTI.Guid, placed.guid);
    assert.equal(cti.CTI.Campaign, 'Sale->');
    assert.equal(cti.CTI.Callerid, '091000000');
    assert.equal(JSON.parse(await portal.evaluate(() => localStorage.getItem('CTI'))).Guid, placed.guid);

    // tag: the note of the live call.
    assert.deepEqual(await send('tag'), { result: '1' });
    calls = await state('calls');
    assert.equal(calls[0].note, 'Cliente interesado');

    // A second call while the phone is busy: the vendor's "0".
    assert.deepEqual(await send('callWithPhone'), { guid: '0' });

    // hangup ends it; the tag is in its CDR.
    assert.deepEqual(await send('hangup'), { result: '1' });
    assert.deepEqual(await state('calls'), []);
    await advance(1);
    const cdrs = (await state('cdrs')).filter((c) => c.guid === placed.guid);
    assert.ok(cdrs.length > 0, 'the call has CDRs');
    assert.ok(cdrs.some((c) => c.note === 'Cliente interesado'), JSON.stringify(cdrs));
    assert.deepEqual(await send('hangup'), { result: '0' }, 'nothing left to hang up');
    assert.deepEqual(await send('CTI'), { CTI: null });

    // callWithPhone: the campaign's callerid.
    await advance(30);
    const second = await send('callWithPhone');
    assert.match(second.guid, GUID);
    calls = await state('calls');
    assert.deepEqual(calls.map((c) => [c.guid, c.callerid, c.customer]), [[second.guid, '24001234', '091000000']]);
    assert.deepEqual(await send('hangup'), { result: '1' });

    // respool: the object lands in the spool.
    assert.deepEqual(await send('respool'), { result: '1' });
    const spool = (await state('spool')).filter((s) => s.destination === '099111222');
    assert.deepEqual(spool.map((s) => [s.campaign, s.alternatives, s.data, s.priority]), [['Ventas->', '099333444', 'id=7', 5]]);

    // schedule: a schedule at callDate with the object's fields.
    assert.deepEqual(await send('schedule'), { result: '1' });
    const schedules = (await state('schedules')).filter((s) => s.destination === '099555666');
    assert.deepEqual(schedules.map((s) => [s.calldate, s.campaign, s.data]), [['2030-10-10 15:00:00', 'Ventas->', 'id=8']]);

    // What is not JSON text, not from the frame, or not naming the frame is ignored.
    const envelope = (name) => JSON.stringify({ data: { action: 'callWithPhone', destination: '091999999', campaign: 'Sale->' },
      sourceOrigin: 'x', targetOrigin: '*', sourceWindowName: name, targetWindowName: '' });
    await frame.evaluate(() => parent.postMessage('{not json', '*'));
    await frame.evaluate(() => parent.postMessage({ data: { action: 'hangup' } }, '*'));
    await frame.evaluate((text) => parent.postMessage(text, '*'), envelope('another-frame'));
    await portal.evaluate((text) => window.postMessage(text, '*'), envelope('integrator'));
    assert.deepEqual(await send('CTI'), { CTI: null }, 'the next reply answers the next real message');
    const placedByIgnored = (await state('calls')).filter((c) => c.customer === '091999999' || c.agent === 'Agente1');
    assert.deepEqual(placedByIgnored, [], 'no call was placed by the ignored messages');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('the portal loads http and https pages only', async () => {
  const instance = 'portal-urls';
  const browser = await launch();
  try {
    const portal = await browser.newPage();
    for (const url of ["javascript:parent.document.title='PWNED'", 'data:text/html,<script>parent.document.title=1</script>']) {
      await portal.goto(`${origin(mock.main, instance)}/portal?agent=Agente1&url=${encodeURIComponent(url)}`);
      await portal.waitForFunction(() => !document.querySelector('#error').hidden);
      assert.match(await portal.$eval('#error', (node) => node.textContent), /only http and https pages/);
      assert.equal(await portal.title(), 'Agent portal · ucontact-mock');
      assert.equal(await portal.$eval('#frame', (frame) => frame.getAttribute('src')), null);
    }
  } finally {
    await browser.close();
  }
});

async function waitForFrame(page, name) {
  for (let i = 0; i < 100; i += 1) {
    const frame = page.frames().find((f) => f.url().includes('/portal/example'));
    if (frame && (await frame.evaluate(() => window.name).catch(() => '')) === name) {
      await frame.waitForFunction(() => typeof Porthole !== 'undefined' && document.readyState === 'complete');
      return frame;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no frame named ${name}`);
}
