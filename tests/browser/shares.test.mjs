// Browser tests of the share-room pages in Chromium (playwright-core, Debian's chromium).
// Starts the fixture server (crates/shares/examples/browser_fixture.rs) with a prepared room,
// then drives the recipient pages. Test names carry the rule IDs of docs/SHARES.md.
//
//   cargo build -p immohub-shares --example browser_fixture && npm test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shots = resolve(root, 'target/browser-screenshots');
mkdirSync(shots, { recursive: true });
const fixtureBin = process.env.SHARES_FIXTURE ?? resolve(root, 'target/debug/examples/browser_fixture');

let server, fx, browser;

before(async () => {
  server = spawn(fixtureBin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: server.stdout });
  fx = await new Promise((ok, fail) => {
    server.on('exit', (code) => fail(new Error(`fixture exited with ${code}`)));
    lines.once('line', (l) => ok(JSON.parse(l)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
});

after(async () => {
  await browser?.close();
  server?.stdin.end();
  server?.kill();
});

const url = (p) => fx.base + p;
const room = (who = 'main') => url(`/r/${fx[who].token}`);

async function staff(method, path, body) {
  const r = await fetch(url(path), {
    method,
    headers: { 'X-Staff-Key': fx.staff_key, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}

async function eventCount() {
  const { json } = await staff('GET', `/staff/v1/rooms/${fx.room}/events?limit=10000`);
  return json.length;
}

async function names(page) {
  return page.$$eval('#files li.file:not([hidden]) .name', (els) => els.map((e) => e.textContent.trim()));
}

/** Entry names from a ZIP's central directory. */
function zipNames(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'end of central directory');
  let off = buf.readUInt32LE(eocd + 16);
  const count = buf.readUInt16LE(eocd + 10);
  const out = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(off), 0x02014b50);
    const n = buf.readUInt16LE(off + 28), x = buf.readUInt16LE(off + 30), c = buf.readUInt16LE(off + 32);
    out.push(buf.subarray(off + 46, off + 46 + n).toString('utf8'));
    off += 46 + n + x + c;
  }
  return out;
}

let ctx, page;

test('SHR-4 consent gate: nothing before acceptance, both boxes required, then the room', async () => {
  ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  const resp = await page.goto(room());
  assert.equal(resp.status(), 200);
  await page.getByRole('heading', { name: /Widerrufsbelehrung/ }).waitFor();
  assert.equal(await page.locator('#files').count(), 0, 'no file list before consent');
  await page.screenshot({ path: `${shots}/consent-desktop.png`, fullPage: true });
  // Server-side check: policy only (the browser's own check switched off) is refused.
  await page.getByLabel(/Widerrufsbelehrung gelesen/).check();
  await page.$eval('#terms', (e) => e.removeAttribute('required'));
  await page.getByRole('button', { name: /Zustimmen/ }).click();
  await page.getByText('Bitte bestätigen Sie die AGB.').waitFor();
  // A file URL is not served before consent either.
  const f = await fetch(url(`/r/${fx.main.token}/zip`), { redirect: 'manual' });
  assert.equal(f.status, 303);
  await page.getByLabel(/Widerrufsbelehrung gelesen/).check();
  await page.getByLabel(/AGB/).check();
  await page.getByRole('button', { name: /Zustimmen/ }).click();
  await page.getByRole('heading', { name: /Elbstraße 12/ }).waitFor();
  assert.equal((await names(page)).length, 5);
});

test('SHR-5 room in tile and list view, with logo', async () => {
  assert.match(await page.getAttribute('#files', 'class'), /tiles/);
  assert.ok(await page.locator('header img[alt^="Logo"]').isVisible());
  await page.screenshot({ path: `${shots}/room-tiles-desktop.png`, fullPage: true });
  await page.getByLabel('Liste').check();
  assert.match(await page.getAttribute('#files', 'class'), /list/);
  assert.match(page.url(), /view=list/);
  await page.screenshot({ path: `${shots}/room-list-desktop.png`, fullPage: true });
  const mobile = await ctx.newPage();
  await mobile.setViewportSize({ width: 390, height: 844 });
  await mobile.goto(room());
  await mobile.screenshot({ path: `${shots}/room-tiles-mobile.png`, fullPage: true });
  await mobile.goto(room() + '?view=list');
  await mobile.screenshot({ path: `${shots}/room-list-mobile.png`, fullPage: true });
  await mobile.close();
});

test('SHR-5 search filters by name and folder, live and without JavaScript', async () => {
  await page.getByLabel('Suche', { exact: true }).fill('grundriss');
  assert.deepEqual(await names(page), ['Grundriss Erdgeschoss.pdf', 'Grundriss Obergeschoss.pdf']);
  assert.match(await page.textContent('#count'), /2 von 5/);
  await page.getByLabel('Suche', { exact: true }).fill('nachweise');
  assert.deepEqual(await names(page), ['Energieausweis.pdf', 'Flurkarte.pdf']);
  await page.getByLabel('Suche', { exact: true }).fill('');
  const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
  const p = await nojs.newPage();
  await p.goto(room() + '?q=expos');
  assert.deepEqual(await names(p), ['Exposé Elbstraße 12.pdf']);
  await p.getByLabel('Suche', { exact: true }).fill('flur');
  await p.getByRole('button', { name: 'Anwenden' }).click();
  await p.waitForURL(/q=flur/);
  assert.deepEqual(await names(p), ['Flurkarte.pdf']);
  await nojs.close();
});

test('SHR-5 sort by name and size, both directions', async () => {
  await page.getByLabel('Sortieren nach').selectOption('size');
  assert.deepEqual(await names(page), [
    'Flurkarte.pdf', 'Grundriss Obergeschoss.pdf', 'Grundriss Erdgeschoss.pdf',
    'Exposé Elbstraße 12.pdf', 'Energieausweis.pdf',
  ]);
  await page.getByLabel('Reihenfolge').selectOption('desc');
  assert.equal((await names(page))[0], 'Energieausweis.pdf');
  await page.getByLabel('Sortieren nach').selectOption('name');
  await page.getByLabel('Reihenfolge').selectOption('asc');
  assert.deepEqual(await names(page), [
    'Energieausweis.pdf', 'Exposé Elbstraße 12.pdf', 'Flurkarte.pdf',
    'Grundriss Erdgeschoss.pdf', 'Grundriss Obergeschoss.pdf',
  ]);
  // Server-side sort (no JavaScript) gives the same order.
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p = await nojs.newPage();
  await p.goto(room() + '?sort=size&order=desc&view=list');
  assert.equal((await names(p))[0], 'Energieausweis.pdf');
  await nojs.close();
});

test('SHR-5 SHR-7 single download and ZIP download, each tracked', async () => {
  const before = await eventCount();
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Herunterladen Flurkarte.pdf' }).click(),
  ]);
  assert.equal(dl.suggestedFilename(), 'Flurkarte.pdf');
  const body = readFileSync(await dl.path());
  assert.equal(body.subarray(0, 8).toString(), '%PDF-1.4');
  assert.equal(body.length, 5009);
  const [zip] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /Alle herunterladen/ }).click(),
  ]);
  assert.match(zip.suggestedFilename(), /\.zip$/);
  const entries = zipNames(readFileSync(await zip.path())).sort();
  assert.deepEqual(entries, [
    'Exposé Elbstraße 12.pdf', 'Grundrisse/Grundriss Erdgeschoss.pdf',
    'Grundrisse/Grundriss Obergeschoss.pdf', 'Nachweise/Energieausweis.pdf', 'Nachweise/Flurkarte.pdf',
  ]);
  assert.equal(await eventCount(), before + 1 + 5);
});

test('SHR-6 preview shows the room with downloads disabled and records nothing', async () => {
  const before = await eventCount();
  const staffCtx = await browser.newContext({ extraHTTPHeaders: { 'X-Staff-Key': fx.staff_key } });
  const p = await staffCtx.newPage();
  const resp = await p.goto(url(`/staff/v1/rooms/${fx.room}/preview`));
  assert.equal(resp.status(), 200);
  await p.getByText(/Vorschau: So sehen Empfänger/).waitFor();
  assert.equal(await p.locator('a[href*="/download"]').count(), 0);
  assert.equal(await p.locator('#zip[aria-disabled="true"]').count(), 1);
  await p.screenshot({ path: `${shots}/preview-desktop.png`, fullPage: true });
  await staffCtx.close();
  assert.equal(await eventCount(), before);
});

test('SHR-8 revocation stops the link at once (user overview)', async () => {
  const p = await ctx.newPage();
  assert.equal((await p.goto(room('revoke'))).status(), 200);
  const { status } = await staff('POST', `/staff/v1/recipients/${fx.revoke.id}/revoke`);
  assert.equal(status, 200);
  const { json } = await staff('GET', `/staff/v1/rooms/${fx.room}/recipients`);
  assert.equal(json.find((r) => r.id === fx.revoke.id).status, 'widerrufen');
  const resp = await p.reload();
  assert.equal(resp.status(), 410);
  await p.getByRole('heading', { name: 'Link ungültig oder abgelaufen' }).waitFor();
  await p.close();
});

test('SHR-8 dead link: an unknown token gets the same page', async () => {
  const p = await ctx.newPage();
  const resp = await p.goto(url('/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
  assert.equal(resp.status(), 410);
  await p.getByRole('heading', { name: 'Link ungültig oder abgelaufen' }).waitFor();
  await p.screenshot({ path: `${shots}/dead-link-mobile.png` });
  const revoked = await (await fetch(room('revoke'))).text();
  assert.equal(await (await fetch(url('/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).text(), revoked);
  await p.close();
});

test('SHR-10 expired link gets the same page', async () => {
  const p = await ctx.newPage();
  const resp = await p.goto(room('expired'));
  assert.equal(resp.status(), 410);
  await p.getByRole('heading', { name: 'Link ungültig oder abgelaufen' }).waitFor();
  await p.close();
});
