// What the pages share: requests to the control API of this page's instance (the Host names it),
// building DOM without innerHTML, and a live feed of the instance's events.

/** Agent status codes (docs/contract.md, section 8). */
export const STATUS = ['unknown', 'available', 'in use', 'busy', 'invalid', 'unavailable', 'ringing',
  'ringing in use', 'on hold', 'wrap-up'];

const TOKEN = 'ucontact-mock-control-token';

/** A JSON request to the mock; `--control-token` servers get the token this tab was given. */
export async function api(method, path, body) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401 && attempt === 0) {
      const given = prompt('This mock needs its control token (--control-token):');
      if (!given) throw new Error('the control API needs a token');
      sessionStorage.setItem(TOKEN, given);
      continue;
    }
    const text = await response.text();
    let value = null;
    try { value = text ? JSON.parse(text) : null; } catch { value = text; }
    if (!response.ok) throw new Error(value?.error ?? `${response.status} ${text}`);
    return value;
  }
  throw new Error('unreachable');
}

/** `el('td', {class: 'num'}, 'text', child)`: an element; attributes starting with `on` are listeners. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** What every empty list, table or slot says, in the one muted style (`.empty`). */
export const EMPTY = 'none yet';

/** The empty-state label: `el('p')` for a panel, `empty('span')` inside a cell. */
export function empty(tag = 'p') {
  return el(tag, { class: 'empty' }, EMPTY);
}

/** A table of `rows` with `columns` ([heading, row => cell, class?]), or the empty label. The class
 * goes on the column's cells: 'num' (right-aligned), 'campaign' (never broken). A
 * heading may be [text, title]. */
export function table(columns, rows) {
  if (!rows.length) return empty();
  const head = (heading) => (Array.isArray(heading) ? heading : [heading]);
  return el('div', { class: 'scroll' }, el('table', {},
    el('thead', {}, el('tr', {}, columns.map(([heading, , kind]) => el('th', { class: kind, title: head(heading)[1] }, head(heading)[0])))),
    el('tbody', {}, rows.map((row) => el('tr', {}, columns.map(([, cell, kind]) => el('td', { class: kind }, cell(row))))))));
}

/** A status code as a coloured badge. */
export function badge(code, paused) {
  return el('span', { class: `badge s${code}${paused ? ' paused' : ''}`, title: `status ${code}` },
    `${code} ${STATUS[code] ?? ''}${paused ? ' (paused)' : ''}`);
}

/** Calls `refresh` now, after every event of the instance (at most every 200 ms), and every
 * `every` ms when the event stream is not available (a --control-token server). */
export function live(refresh, indicator, every = 2000) {
  let pending = null;
  const soon = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 200);
  };
  refresh();
  const mark = (on) => {
    if (!indicator) return;
    indicator.textContent = on ? '● live' : '○ polling';
    indicator.classList.toggle('off', !on);
  };
  const source = new EventSource('/_mock/events');
  source.onopen = () => mark(true);
  source.onmessage = soon;
  for (const kind of ['agent', 'call', 'upload', 'disposition', 'blacklist', 'clock', 'recording', 'lists', 'lagged']) {
    source.addEventListener(kind, soon);
  }
  source.onerror = () => mark(false);
  setInterval(() => { if (source.readyState !== EventSource.OPEN) refresh(); }, every);
}
