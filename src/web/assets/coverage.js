// The coverage page: /_mock/coverage as a table per route, what was never exercised, and what
// clients sent wrong. `?instance=NAME` narrows it to one instance, as the control API does.
import { api, el, empty, table } from '/assets/ui.js';

const $ = (selector) => document.querySelector(selector);
const instance = new URLSearchParams(location.search).get('instance');
const query = instance ? `instance=${encodeURIComponent(instance)}` : '';

function fill(id, ...content) {
  $(`#${id} > div`).replaceChildren(...content);
}

async function refresh() {
  try {
    const report = await api('GET', `/_mock/coverage${query ? `?${query}` : ''}`);
    $('#error').hidden = true;
    const { covered, declared, percent } = report.score;
    $('#score').textContent = `${covered} of ${declared} (${percent.toFixed(1)}%)`;
    fill('routes', table([
      ['route', (r) => el('code', {}, r.route)],
      ['requests', (r) => r.requests, 'num'],
      ['branches', (r) => `${r.score.covered} of ${r.score.declared}`, 'num'],
      ['covered', (r) => `${r.score.percent.toFixed(1)}%`, 'num'],
      ['exercised', (r) => r.branches.filter((b) => b.count > 0).map((b) => el('span', { class: 'badge s1', title: `${b.count} times` }, b.branch))],
    ], report.routes));
    const never = report.routes.flatMap((r) => [...r.branches, ...r.dimensions]
      .filter((b) => b.count === 0).map((b) => ({ route: r.route, ...b })));
    fill('uncovered', table([
      ['route', (b) => el('code', {}, b.route)],
      ['branch', (b) => el('code', {}, b.branch)],
      ['what it is', (b) => b.means || 'a value of the route\'s own dimension'],
    ], never));
    const wrong = report.routes.flatMap((r) => [
      ...r.lints.map((l) => ({ route: r.route, what: l.lint, count: l.count, note: `first: instance ${l.first_instance}, journal entry ${l.first_seq}` })),
      ...r.unknown_fields.map((u) => ({ route: r.route, what: `unknown field ${u.field}`, count: u.count, note: u.closest ? `did you mean ${u.closest}?` : '' })),
    ]);
    fill('lints', wrong.length ? table([
      ['route', (w) => el('code', {}, w.route)],
      ['what', (w) => w.what],
      ['count', (w) => w.count, 'num'],
      ['', (w) => w.note],
    ], wrong) : empty());
  } catch (error) {
    $('#error').hidden = false;
    $('#error').textContent = String(error.message ?? error);
  }
}

if (instance) {
  $('#whose').textContent = `instance ${instance}`;
  $('#markdown').href += `&${query}`;
  $('#junit').href += `&${query}`;
}
$('#refresh').addEventListener('click', refresh);
refresh();
