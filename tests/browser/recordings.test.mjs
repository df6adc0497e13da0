// Recordings in a browser (issue "Recordings"): an HTML5 <audio> element loads a served MP3, knows
// its length from the Info frame, seeks with range requests and plays on from there; a GSM recording
// converted by Supervisor/convert plays the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { call, launch, mock, origin } from './harness.mjs';

const GUID = '7e4e7db9-f080-494e-b04b-7c8e47711558';
const SECONDS = 94;

/** Loads `src` in an <audio> element of a page on `pageOrigin`, seeks to `to` and plays a little:
 * what the element reports along the way, and the
 * statuses of the responses for `src`. */
async function seekAndPlay(browser, pageOrigin, src, to) {
  const page = await browser.newPage();
  const statuses = [];
  page.on('response', (response) => {
    if (response.url() === src) statuses.push(response.status());
  });
  try {
    await page.goto(`${pageOrigin}/_mock/health`);
    const seen = await page.evaluate(
      async ({ src, to }) => {
        const audio = new Audio();
        audio.muted = true;
        const once = (event) =>
          new Promise((resolve, reject) => {
            audio.addEventListener(event, resolve, { once: true });
            audio.addEventListener('error', () => reject(new Error(`media error ${audio.error?.code}`)), { once: true });
          });
        const loaded = once('loadedmetadata');
        audio.src = src;
        await loaded;
        const duration = audio.duration;
        const seekable = audio.seekable.length ? audio.seekable.end(audio.seekable.length - 1) : 0;
        const seeked = once('seeked');
        audio.currentTime = to;
        await seeked;
        const afterSeek = audio.currentTime;
        await audio.play();
        await new Promise((resolve) => {
          const check = () => (audio.currentTime > afterSeek + 0.5 ? resolve() : setTimeout(check, 50));
          check();
        });
        audio.pause();
        return { duration, seekable, afterSeek, playedTo: audio.currentTime };
      },
      { src, to },
    );
    return { ...seen, statuses };
  } finally {
    await page.close();
  }
}

test('an audio element learns the length, seeks and plays a served MP3', async () => {
  const instance = 'audio-seek';
  const pin = await call(mock.main, instance, `/_mock/recordings/${GUID}`, {
    method: 'POST',
    body: { host: 'backup', folder: 'dated', format: 'mp3' },
  });
  assert.equal(pin.status, 200, JSON.stringify(pin.body));
  const browser = await launch();
  try {
    const page = origin(mock.backup, instance);
    const seen = await seekAndPlay(browser, page, `${page}/records/20160118/${GUID}.mp3`, 60);
    assert.ok(Math.abs(seen.duration - SECONDS) < 0.2, `duration ${seen.duration}`);
    assert.ok(seen.seekable > SECONDS - 0.5, `seekable to ${seen.seekable}`);
    assert.ok(Math.abs(seen.afterSeek - 60) < 0.5, `after seeking: ${seen.afterSeek}`);
    assert.ok(seen.playedTo > 60.4, `played on to ${seen.playedTo}`);
    assert.ok(seen.statuses.includes(206), `the element read byte ranges: ${seen.statuses}`);
  } finally {
    await browser.close();
  }
});

test('a GSM recording converted to MP3 plays in the browser from its place', async () => {
  const instance = 'audio-convert';
  await call(mock.main, instance, `/_mock/recordings/${GUID}`, {
    method: 'POST',
    body: { host: 'main', folder: 'root', format: 'gsm' },
  });
  const token = await call(mock.main, instance, '/Integra/resources/auth/getUserToken', {
    method: 'POST',
    form: { user: 'admin', password: 'admin' },
  });
  const page = origin(mock.main, instance);
  const before = await fetch(`${mock.main}/records/${GUID}.mp3`, { headers: { 'X-Mock-Instance': instance } });
  assert.equal(before.status, 404);
  const convert = await fetch(`${mock.main}/Integra/resources/Supervisor/convert`, {
    method: 'POST',
    headers: {
      'X-Mock-Instance': instance,
      Authorization: `Basic ${token.body[2]}`,
      'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
    },
    body: new URLSearchParams({ guid: GUID, folder: '' }).toString(),
  });
  assert.equal(await convert.text(), '1');
  const browser = await launch();
  try {
    const seen = await seekAndPlay(browser, page, `${page}/records/${GUID}.mp3`, 30);
    assert.ok(Math.abs(seen.duration - SECONDS) < 0.2, `duration ${seen.duration}`);
    assert.ok(seen.playedTo > 30.4, `played on to ${seen.playedTo}`);
    assert.ok(seen.statuses.includes(206), `the element read byte ranges: ${seen.statuses}`);
  } finally {
    await browser.close();
  }
});
