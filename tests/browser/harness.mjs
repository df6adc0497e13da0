// What every browser test shares: the running mock (started by scripts/browser-tests), Debian's
// Chromium launched headless, and requests to the control API on a test's own instance.
import { chromium } from 'playwright-core';

export const mock = {
  main: process.env.MOCK_MAIN,
  backup: process.env.MOCK_BACKUP,
  artifacts: process.env.BROWSER_ARTIFACTS ?? '.',
};
if (!mock.main || !mock.backup) {
  throw new Error('MOCK_MAIN and MOCK_BACKUP are not set: run the browser tests with scripts/browser-tests');
}

/** `http://<instance>.localhost:<port>`: Chromium sends *.localhost to the loopback, and the mock
 * takes the Host's first label as the instance (docs/contract.md, section 11). */
export function origin(base, instance) {
  const url = new URL(base);
  return `http://${instance}.localhost:${url.port}`;
}

/** Headless Chromium with the flags this machine needs (no network beyond the loopback). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** A request to the mock on `instance` (X-Mock-Instance): `{status, body}` with body parsed as JSON
 * when it is JSON. */
export async function call(base, instance, path, { method = 'GET', body, form } = {}) {
  const headers = { 'X-Mock-Instance': instance };
  let payload = body === undefined ? undefined : JSON.stringify(body);
  if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
    payload = new URLSearchParams(form).toString();
  }
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.startsWith('application/json') ? JSON.parse(text) : text };
}
