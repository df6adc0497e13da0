// The dashboard: the instance's contact center at a glance, redrawn on every event it publishes.
import { api, badge, el, empty, live, table } from '/assets/ui.js';

const $ = (selector) => document.querySelector(selector);
const backupPort = document.querySelector('meta[name="backup-port"]')?.content;

function fill(id, ...content) {
  $(`#${id} > div`).replaceChildren(...content);
}

function fail(error) {
  $('#error').hidden = false;
  $('#error').textContent = String(error.message ?? error);
}

/** Runs a control-API request from a button, then redraws. */
async function act(method, path, body) {
  try {
    await api(method, path, body);
    $('#error').hidden = true;
  } catch (error) {
    fail(error);
  }
  refresh();
}

function recordingUrl(recording, path) {
  if (recording.host === 'backup') return `${location.protocol}//${location.hostname}:${backupPort}${path}`;
  return path;
}

/** `2026-01-05 09:17:00`, breakable only between the day and the time (a date is never broken). */
function when(stamp) {
  if (!stamp) return '';
  const [day, ...time] = String(stamp).split(' ');
  return el('span', {}, el('span', { class: 'time' }, day), time.length ? [' ', el('span', { class: 'time' }, time.join(' '))] : []);
}

/** `94` as `1:34`, `3700` as `1:01:40`: a length as the audio player writes it. */
function clockTime(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const mmss = `${Math.floor((s % 3600) / 60)}:${String(s % 60).padStart(2, '0')}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss.padStart(5, '0')}` : mmss;
}

// A recording's <audio> outlives redraws (a playing one plays on, its length is read once), and
// reads its metadata (preload="metadata") only once it is on screen: the mock makes a recording's
// file when it is first read, and a dashboard shows 25 of them.
const players = new Map();
const onScreen = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    onScreen.unobserve(entry.target);
    entry.target.preload = 'metadata';
  }
});

function player(src) {
  let audio = players.get(src);
  if (!audio) {
    audio = el('audio', { controls: true, preload: 'none', src });
    players.set(src, audio);
    onScreen.observe(audio);
  }
  return audio;
}

function recordingCell(call) {
  const r = call.recording;
  if (!r) return empty('span');
  const length = el('span', { class: 'duration', title: `recording length: ${r.seconds} s, the customer leg's billsec` },
    clockTime(r.seconds));
  const where = el('div', { class: 'code note' }, `${r.host} ${r.path}`);
  const control = r.mp3
    ? player(recordingUrl(r, r.mp3))
    : el('button', { onclick: () => act('POST', `/_mock/recordings/${encodeURIComponent(call.guid)}/convert`) }, 'Convert GSM to MP3');
  return el('div', {}, el('div', { class: 'player' }, control, length), where);
}

let campaignNames = [];

function draw(o) {
  $('#instance').textContent = o.instance;
  $('#now').textContent = o.clock.now;
  $('#mode').textContent = o.clock.mode;
  $('#advance').hidden = o.clock.mode !== 'manual';
  const names = o.campaigns.map((c) => c.campaign);
  if (names.join() !== campaignNames.join()) {
    campaignNames = names;
    const inbound = o.campaigns.filter((c) => c.kind === 'inbound').map((c) => c.campaign);
    $('#inject select').replaceChildren(...(inbound.length ? inbound : names).map((n) => el('option', {}, n)));
  }
  fill('campaigns', table([
    ['campaign', (c) => c.campaign, 'campaign'], ['kind', (c) => c.kind],
    ['logged', (c) => c.logged, 'num'], ['available', (c) => c.availables, 'num'],
    ['paused', (c) => c.paused, 'num'], ['busy', (c) => c.busy, 'num'], ['wrap-up', (c) => c.onwrapup, 'num'],
    ['waiting', (c) => c.acd, 'num'],
    ['calls', (c) => c.totalcalls, 'num'], ['completed', (c) => c.completed, 'num'],
    ['abandoned', (c) => c.abandoned, 'num'],
    // talked and hold are HH:MM:SS-N: the average per call, and how many calls it averages.
    ['avg talk', (c) => c.talked, 'num'], ['avg wait', (c) => c.hold, 'num'],
    ['service level', (c) => c.servicelevel, 'num'], ['strategy', (c) => c.strategy],
  ], o.campaigns));
  fill('agents', table([
    ['user', (a) => a.user], ['name', (a) => a.name], ['phone', (a) => a.interface],
    ['status', (a) => badge(a.status, a.paused)], ['reason', (a) => a.pausedreason],
    ['call', (a) => a.call ? el('span', { class: 'code' }, a.call.slice(0, 8)) : ''],
    ['', (a) => el('span', {},
      a.logged_in
        ? [el('button', { onclick: () => act('POST', `/_mock/agents/${encodeURIComponent(a.user)}`, { action: 'logout' }) }, 'log out'), ' ',
          a.paused
            ? el('button', { onclick: () => act('POST', `/_mock/agents/${encodeURIComponent(a.user)}`, { action: 'unpause' }) }, 'unpause')
            : el('button', { onclick: () => act('POST', `/_mock/agents/${encodeURIComponent(a.user)}`, { action: 'pause', reason: 'Break' }) }, 'pause')]
        : el('button', { onclick: () => act('POST', `/_mock/agents/${encodeURIComponent(a.user)}`, { action: 'login' }) }, 'log in'),
      ' ', el('a', { href: `/portal?agent=${encodeURIComponent(a.user)}` }, 'portal'))],
  ], o.agents));
  fill('calls', table([
    ['guid', (c) => el('span', { class: 'code', title: c.guid }, c.guid.slice(0, 8))],
    ['campaign', (c) => c.campaign, 'campaign'], ['direction', (c) => c.direction], ['customer', (c) => c.customer],
    ['agent', (c) => c.agent], ['phase', (c) => c.phase], ['since', (c) => when(c.started)],
  ], o.calls));
  // Newest call first by the time shown: the first leg's calldate, when the call began.
  fill('cdrs', table([
    ['call', (c) => el('span', { class: 'code', title: c.guid }, c.guid)],
    [['calldate ↓', "when the call began: its first leg's calldate; the newest call first"], (c) => when(c.calldate)],
    ['campaign', (c) => c.campaign, 'campaign'], ['direction', (c) => c.direction], ['from', (c) => c.src], ['to', (c) => c.dst],
    ['legs', (c) => c.legs.map((l) => `${l.peeraccount || '-'} ${l.disposition} ${l.billsec}s`).join(' · ')],
    ['note', (c) => c.note ?? ''], ['recording', recordingCell],
  ], o.cdrs));
  const shown = new Set(o.cdrs.map((c) => c.recording?.mp3 && recordingUrl(c.recording, c.recording.mp3)));
  for (const [src, audio] of players) {
    if (shown.has(src)) continue;
    onScreen.unobserve(audio);
    players.delete(src);
  }
  const list = (id, o, columns) => {
    const counts = Object.entries(o.counts).map(([k, n]) => `${n} ${k}`).join(' · ');
    fill(id, ...(o.newest.length ? [el('p', { class: 'note' }, counts), table(columns, o.newest)] : [empty()]));
  };
  list('spool', o.spool, [['id', (s) => s.id, 'num'], ['campaign', (s) => s.campaign, 'campaign'], ['destination', (s) => s.destination],
    ['priority', (s) => s.priority, 'num'], ['retries', (s) => s.retries, 'num'], ['state', (s) => s.state], ['source', (s) => s.source]]);
  list('schedules', o.schedules, [['id', (s) => s.id, 'num'], ['date', (s) => when(s.calldate)], ['campaign', (s) => s.campaign, 'campaign'],
    ['destination', (s) => s.destination], ['state', (s) => s.state]]);
  list('tasks', o.tasks, [['id', (t) => t.id, 'num'], ['mode', (t) => t.mode], ['campaign', (t) => t.campaign, 'campaign'],
    ['destination', (t) => t.destination], ['agent', (t) => t.agent], ['state', (t) => t.state]]);
  fill('uploads', table([
    ['id', (u) => u.id, 'num'], ['file', (u) => u.filename], ['campaign', (u) => u.campaign, 'campaign'], ['status', (u) => u.status],
    ['read', (u) => u.read, 'num'], ['accepted', (u) => u.accepted, 'num'], ['rejected', (u) => u.rejected, 'num'],
    ['report', (u) => (u.rejections ?? []).map((r) => `line ${r.line}: ${r.reason}`).join('; ') || u.note || ''],
  ], o.uploads));
}

async function refresh() {
  try {
    draw(await api('GET', '/_mock/overview'));
  } catch (error) {
    fail(error);
  }
}

$('#inject').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  act('POST', '/_mock/calls', { campaign: form.get('campaign'), from: form.get('from') });
});
for (const button of document.querySelectorAll('#advance button')) {
  button.addEventListener('click', () => act('POST', '/_mock/clock', { advance: Number(button.dataset.seconds) }));
}
live(refresh, $('#live'));
