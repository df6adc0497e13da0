// The agent portal emulator (docs/contract.md, section 9): logs the agent in, shows the phone, hosts the
// integrator's page in a named iframe and answers its porthole.js messages. Each message is one JSON
// string {data, sourceOrigin, targetOrigin, sourceWindowName, targetWindowName}; only messages from
// the frame, naming the frame as their source window, are answered, in the order they came.
import { api, badge, el, empty, live } from '/assets/ui.js';

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);
const agent = params.get('agent') || 'Agente1';
const frameName = params.get('frame') || 'integrator';
// The frame is made with its name: a browsing context takes its name when it is created.
const frame = el('iframe', { id: 'frame', name: frameName, title: 'Integrator page' });
$('#frame-slot').replaceWith(frame);
const origin = `${location.protocol}//${location.host}`;
const path = `/_mock/portal/${encodeURIComponent(agent)}`;

function fail(error) {
  $('#error').hidden = false;
  $('#error').textContent = String(error.message ?? error);
}

// The message log says it is empty as every empty list does, until the first message.
const noMessages = empty();
$('#log').before(noMessages);

function log(direction, text) {
  noMessages.hidden = true;
  $('#log').prepend(el('li', {}, el('b', {}, direction), ' ', el('span', { class: 'code' }, text)));
  while ($('#log').children.length > 50) $('#log').lastChild.remove();
}

function show(view) {
  $('#agent-name').textContent = view.name;
  $('#agent-phone').textContent = `${view.tech}/${view.phone}`;
  $('#agent-status').replaceChildren(badge(view.status, view.paused));
  $('#now').textContent = view.now;
  const cti = view.CTI;
  $('#hangup').hidden = !cti;
  if (!cti) {
    $('#call').replaceChildren(empty());
    return;
  }
  // The real portal keeps the answered call's CTI object in the page's localStorage.
  localStorage.setItem('CTI', JSON.stringify(cti));
  const rows = [['guid', cti.Guid], ['campaign', cti.Campaign], ['customer', cti.Callerid], ['phase', view.phase],
    ['answered', cti.Answer], ['data', cti.ParAndValues]];
  if (cti.Dialer) rows.push(['contact', cti.Dialer.contact], ['alternatives', cti.Dialer.alternatives]);
  $('#call').replaceChildren(el('dl', {}, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { class: k === 'campaign' ? 'campaign' : undefined }, v ?? '')])));
}

async function refresh() {
  try {
    show(await api('GET', path));
  } catch (error) {
    fail(error);
  }
}

/** Answers the frame with the envelope porthole.js reads (to the frame's origin; '*' for a frame
 * with an opaque origin, as porthole's own default). */
function reply(data, from) {
  const to = from === 'null' ? '*' : from;
  const envelope = { data, sourceOrigin: origin, targetOrigin: to, sourceWindowName: window.name, targetWindowName: frameName };
  frame.contentWindow.postMessage(JSON.stringify(envelope), to);
  log('→', JSON.stringify(data));
}

let queue = Promise.resolve();
window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || typeof event.data !== 'string') return;
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  if (!message || typeof message !== 'object' || message.sourceWindowName !== frameName) return;
  log('←', JSON.stringify(message.data));
  queue = queue.then(async () => {
    try {
      const answer = await api('POST', path, message.data ?? null);
      if (answer.reason) log('✗', answer.reason);
      if (answer.data && 'CTI' in answer.data && answer.data.CTI) localStorage.setItem('CTI', JSON.stringify(answer.data.CTI));
      reply(answer.data, event.origin);
    } catch (error) {
      fail(error);
      const action = message.data?.action;
      reply(action === 'call' || action === 'callWithPhone' ? { guid: '0' } : { result: '0' }, event.origin);
    }
    refresh();
  });
});

/** Loads the integrator's page: http(s) only (a javascript: or data: URL would run with the
 * portal's origin). */
function load(url) {
  let page;
  try {
    page = new URL(url, location.href);
  } catch {
    fail(`not a URL: ${url}`);
    return;
  }
  if (page.protocol !== 'http:' && page.protocol !== 'https:') {
    fail(`only http and https pages are loaded, not ${page.protocol}`);
    return;
  }
  $('#error').hidden = true;
  frame.src = page.href;
  $('#load input').value = url;
}

$('#frame-name').textContent = frameName;
$('#hangup').addEventListener('click', async () => {
  try {
    const answer = await api('POST', path, { action: 'hangup' });
    if (answer.reason) log('✗', answer.reason);
  } catch (error) {
    fail(error);
  }
  refresh();
});
$('#load').addEventListener('submit', (event) => {
  event.preventDefault();
  const url = new FormData(event.target).get('url');
  const next = new URLSearchParams(location.search);
  next.set('url', url);
  history.replaceState(null, '', `?${next}`);
  load(url);
});

try {
  show(await api('POST', `${path}/login`));
} catch (error) {
  fail(error);
}
load(params.get('url') || '/portal/example');
live(refresh, $('#live'));
