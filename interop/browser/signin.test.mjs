// Debian Chromium driven by playwright-core 1.65.1 through Cerulean's sign-in pages
// (INTEROP.md §7). Chromium reaches the server under login.microsoftonline.com through
// --host-resolver-rules and trusts the test CA through an NSS database in a scratch HOME
// (§7.2 option 1, so TLS stays under test). Every page visited is saved as a PNG under
// artifacts/interop/screenshots/.
// Run with `node --test interop/browser/signin.test.mjs` through interop/run.sh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import {
  AZURE_CLI, GRAPH_SCOPE, REDIRECT_URI, artifacts, assertIdTokenClaims, assertUserAccessToken,
  jwtClaims, postForm, ready, sleep, SUCCESS_PAGE,
} from '../node/lib/rig.mjs';

const require = createRequire(new URL('../node/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const LOGIN = 'login.microsoftonline.com';
const r = ready();
const port = new URL(r.https_url).port;
const SHOTS = artifacts('screenshots');

const USER_FIELD = /(login|user(name)?|email|upn|loginfmt|account|identifier)/i;
const PASSWORD_FIELD = /(passw|passwd|pwd)/i;
const CODE_FIELD = /(user_?code|otc|device_?code|^code$|usercode)/i;
const POSITIVE = /(accept|allow|yes|consent|continue|next|sign ?in|submit|verify|confirm|ok\b|approve|grant)/i;
const NEGATIVE = /(cancel|deny|decline|reject|\bno\b|back|sign ?out|logout|forgot|other|different)/i;

function chromiumArgs() {
  return [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--host-resolver-rules=MAP ${LOGIN}:443 127.0.0.1:${port}, MAP login.microsoft.com:443 127.0.0.1:${port}, EXCLUDE localhost`,
  ];
}

/** A scratch HOME whose NSS database trusts the test CA (or nothing, for the negative test). */
function scratchHome(trustCa) {
  const home = mkdtempSync(join(tmpdir(), 'cerulean-chromium-'));
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  if (trustCa) execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', 'cerulean-test-ca', '-i', r.ca_path]);
  return home;
}

async function launch(home) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(),
    env: { ...process.env, HOME: home },
  });
}

let browser;
let home;
before(async () => {
  home = scratchHome(true);
  browser = await launch(home);
});
after(async () => {
  await browser?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

let shotNo = 0;
async function shot(page, label) {
  shotNo += 1;
  const slug = (() => {
    try { return new URL(page.url()).pathname.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 50); } catch { return 'page'; }
  })() || 'root';
  const path = join(SHOTS, `${label}-${String(shotNo).padStart(2, '0')}-${slug}.png`);
  await page.screenshot({ path, fullPage: true }).catch(() => {});
  return path;
}

/** Fills the visible fields it recognises; returns what it filled. */
async function fillVisible(page, { user, userCode }) {
  const fields = await page.evaluate(() => [...document.querySelectorAll('input, textarea')].map((el, i) => ({
    i,
    type: (el.getAttribute('type') || (el.tagName === 'TEXTAREA' ? 'textarea' : 'text')).toLowerCase(),
    name: el.name || '',
    id: el.id || '',
    hint: [el.getAttribute('autocomplete'), el.getAttribute('placeholder'), el.getAttribute('aria-label'),
      el.labels && el.labels[0] ? el.labels[0].innerText : ''].filter(Boolean).join(' '),
    visible: !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) && !el.disabled && !el.readOnly,
    value: el.value,
  })));
  const filled = [];
  for (const f of fields) {
    if (!f.visible || ['hidden', 'submit', 'button', 'image', 'checkbox', 'radio', 'reset', 'file'].includes(f.type)) continue;
    let value;
    if (f.type === 'password' || PASSWORD_FIELD.test(f.name)) value = user.password;
    else if (CODE_FIELD.test(f.name) || CODE_FIELD.test(f.id) || (userCode && /code/i.test(f.hint))) value = userCode;
    else if (f.type === 'email' || USER_FIELD.test(f.name) || USER_FIELD.test(f.id) || USER_FIELD.test(f.hint)) value = user.upn;
    if (value === undefined || value === null) continue;
    await page.locator('input, textarea').nth(f.i).fill(value);
    filled.push(f.name || f.id || f.type);
  }
  return filled;
}

/** The submit control a person would press: positive wording first, never cancel/deny. */
async function submitButton(page) {
  const buttons = page.locator('button, input[type=submit], input[type=image]');
  const n = await buttons.count();
  let best = null;
  let bestRank = Infinity;
  for (let i = 0; i < n; i++) {
    const b = buttons.nth(i);
    if (!(await b.isVisible()) || !(await b.isEnabled())) continue;
    const meta = await b.evaluate((el) => ({
      type: (el.getAttribute('type') || (el.tagName === 'BUTTON' ? 'submit' : '')).toLowerCase(),
      text: `${el.innerText || ''} ${el.value || ''} ${el.name || ''} ${el.id || ''}`,
      inForm: !!el.form,
    }));
    if (meta.type !== 'submit' && meta.type !== 'image') continue;
    const rank = (NEGATIVE.test(meta.text) ? 4 : 0) + (POSITIVE.test(meta.text) ? 0 : 1) + (meta.inForm ? 0 : 2);
    if (rank < bestRank) { best = b; bestRank = rank; }
  }
  return bestRank < 4 ? best : null;
}

/**
 * Answers the browser's navigation to the client's redirect URI in the browser itself, so no
 * listener is needed on :53100. playwright's page.route never sees a redirect's target (its
 * handler is called only for the first URL of a redirect chain), so this uses the DevTools
 * Fetch domain directly, which pauses redirected requests too.
 */
async function interceptClientRedirect(context, page, onCapture) {
  const cdp = await context.newCDPSession(page);
  cdp.on('Fetch.requestPaused', (ev) => {
    if (ev.resourceType === 'Document') onCapture(ev.request.url); // not the favicon
    const body = `<!DOCTYPE html><title>Redirect captured</title><h1>Redirect to the client captured by the test</h1>
      <p style="word-break:break-all">${ev.request.url.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`;
    cdp.send('Fetch.fulfillRequest', {
      requestId: ev.requestId, responseCode: 200,
      responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
      body: Buffer.from(body).toString('base64'),
    }).catch(() => {});
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${REDIRECT_URI}*`, requestStage: 'Request' }] });
}

/** Walks the sign-in pages until `done()` or a page with nothing to do. */
async function walk(page, { user, userCode, label, done }) {
  const trace = [];
  let lastText = null;
  for (let step = 0; step < 12; step++) {
    await page.waitForLoadState('domcontentloaded').catch(() => {});
    await shot(page, label);
    if (done()) return trace;
    if (page.url().startsWith('chrome-error:')) throw new Error(`browser error page at step ${step}: ${trace.join(' | ')}`);
    const text = await page.evaluate(() => document.body?.innerText ?? '').catch(() => '');
    const filled = await fillVisible(page, { user, userCode });
    const button = await submitButton(page);
    trace.push(`${page.url()} filled=[${filled}] button=${button ? 'yes' : 'no'}`);
    if (!button || (filled.length === 0 && text === lastText)) return trace;
    lastText = text;
    if (filled.length) await shot(page, `${label}-filled`);
    await Promise.all([
      page.waitForNavigation({ timeout: 15000 }).catch(() => null),
      button.click(),
    ]);
  }
  throw new Error(`gave up after 12 pages: ${trace.join(' | ')}`);
}

function authorizeUrl({ state, nonce, challenge, scope }) {
  const url = new URL(`https://${LOGIN}/${r.tenant_domain}/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: AZURE_CLI, response_type: 'code', redirect_uri: REDIRECT_URI, response_mode: 'query',
    scope, state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
  })) url.searchParams.set(k, v);
  return url.toString();
}

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A page whose navigations to the client's redirect URI are captured (see below). */
async function capturingPage(context) {
  const page = await context.newPage();
  const cap = { url: null };
  await interceptClientRedirect(context, page, (url) => { cap.url = url; });
  return { page, cap };
}

test('auth code + PKCE through the sign-in pages, redirect to http://localhost:53100', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let captured = null;
  let intercepted = false;
  await interceptClientRedirect(context, page, (url) => { captured = url; intercepted = true; });
  // Diagnostics only: notice the navigation even if the interception missed it.
  page.on('request', (req) => {
    if (req.url().startsWith(REDIRECT_URI) && captured === null) captured = req.url();
  });
  try {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(8).toString('hex');
    const nonce = randomBytes(8).toString('hex');
    const scope = `openid profile offline_access ${GRAPH_SCOPE}`;
    const authorize = new URL(`https://${LOGIN}/${r.tenant_domain}/oauth2/v2.0/authorize`);
    for (const [k, v] of Object.entries({
      client_id: AZURE_CLI, response_type: 'code', redirect_uri: REDIRECT_URI, response_mode: 'query',
      scope, state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
    })) authorize.searchParams.set(k, v);

    const response = await page.goto(authorize.toString());
    await shot(page, 'auth-code-authorize');
    assert.ok(response, 'no response for the authorize URL');
    assert.ok(response.status() < 400, `authorize answered ${response.status()}`);
    const trace = await walk(page, { user: r.users.alice, label: 'auth-code', done: () => captured !== null });
    assert.ok(captured, `no redirect to ${REDIRECT_URI}; pages: ${trace.join(' | ')}`);
    await shot(page, 'auth-code-redirected');
    assert.ok(intercepted, 'the redirect to the client escaped the interception');
    const back = new URL(captured).searchParams;
    assert.equal(back.get('state'), state, 'state must come back unchanged');
    assert.ok(back.get('code'), `no code in ${captured}`);

    // The code is real: redeem it (PKCE) and check the tokens.
    const token = await postForm(`${r.https_url}/${r.tenant_id}/oauth2/v2.0/token`, {
      client_id: AZURE_CLI, grant_type: 'authorization_code', code: back.get('code'),
      redirect_uri: REDIRECT_URI, code_verifier: verifier, scope,
    });
    assert.equal(token.status, 200, `code redemption failed: ${token.text.slice(0, 400)}`);
    assertUserAccessToken(token.json.access_token, r, 'alice');
    assertIdTokenClaims(jwtClaims(token.json.id_token), r, 'alice', { nonce });
  } finally {
    await context.close();
  }
});

test('wrong password: the page says so and keeps the user there; the right one goes on', async () => {
  const context = await browser.newContext();
  const { page, cap } = await capturingPage(context);
  const user = r.users.admin;
  try {
    const { challenge } = pkcePair();
    await page.goto(authorizeUrl({ state: 's1', nonce: 'n1', challenge, scope: `openid ${GRAPH_SCOPE}` }));
    await shot(page, 'wrong-password');
    // Email, then a wrong password.
    for (const creds of [{ upn: user.upn, password: 'not-the-password' }, { upn: user.upn, password: 'not-the-password' }]) {
      await fillVisible(page, { user: creds });
      const button = await submitButton(page);
      assert.ok(button, 'no submit button');
      await Promise.all([page.waitForNavigation({ timeout: 15000 }).catch(() => null), button.click()]);
      await shot(page, 'wrong-password');
    }
    assert.equal(cap.url, null, 'a wrong password must not reach the client');
    const alert = page.locator('[role=alert]');
    assert.ok(await alert.isVisible(), 'no error message is shown after a wrong password');
    assert.match(await alert.innerText(), /(password|incorrect|not correct)/i);
    assert.ok(await page.locator('input[type=password]').isVisible(), 'the password field is gone');
    await walk(page, { user, label: 'wrong-password-retry', done: () => cap.url !== null });
    assert.ok(cap.url, 'the right password did not reach the client');
    assert.equal(new URL(cap.url).searchParams.get('state'), 's1');
  } finally {
    await context.close();
  }
});

test('single sign-on: a second authorize in the same browser skips the sign-in pages', async () => {
  const context = await browser.newContext();
  const { page, cap } = await capturingPage(context);
  try {
    const { challenge } = pkcePair();
    await page.goto(authorizeUrl({ state: 'first', nonce: 'n1', challenge, scope: `openid ${GRAPH_SCOPE}` }));
    await walk(page, { user: r.users.bob, label: 'sso-first', done: () => cap.url !== null });
    assert.ok(cap.url, 'first sign-in did not reach the client');
    cap.url = null;
    await page.goto(authorizeUrl({ state: 'second', nonce: 'n2', challenge, scope: `openid ${GRAPH_SCOPE}` }));
    const pages = await walk(page, { user: r.users.bob, label: 'sso-second', done: () => cap.url !== null });
    assert.ok(cap.url, `the second authorize did not reach the client: ${pages.join(' | ')}`);
    assert.deepEqual(pages, [], 'the second authorize showed sign-in pages instead of redirecting at once');
    assert.equal(new URL(cap.url).searchParams.get('state'), 'second');
  } finally {
    await context.close();
  }
});

test('device code: verification page, code entry, sign-in, success page, then the poll succeeds', async () => {
  const start = await postForm(`${r.https_url}/${r.tenant_id}/oauth2/v2.0/devicecode`, {
    client_id: AZURE_CLI, scope: `openid profile offline_access ${GRAPH_SCOPE}`,
  });
  assert.equal(start.status, 200, `devicecode failed: ${start.text.slice(0, 300)}`);
  const dc = start.json;
  assert.equal(typeof dc.expires_in, 'number', 'expires_in must be a number');
  assert.equal(typeof dc.interval, 'number', 'interval must be a number');
  const poll = () => postForm(`${r.https_url}/${r.tenant_id}/oauth2/v2.0/token`, {
    client_id: AZURE_CLI, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: dc.device_code,
  });
  const pending = await poll();
  assert.equal(pending.status, 400);
  assert.equal(pending.json?.error, 'authorization_pending', pending.text.slice(0, 300));

  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const response = await page.goto(dc.verification_uri);
    await shot(page, 'device-code-verification');
    assert.ok(response && response.status() < 400, `verification page answered ${response?.status()}`);
    const trace = await walk(page, { user: r.users.bob, userCode: dc.user_code, label: 'device-code', done: () => false });
    const text = await page.evaluate(() => document.body?.innerText ?? '');
    await shot(page, 'device-code-final');
    assert.match(text, SUCCESS_PAGE,
      `no success page; last page says: ${text.slice(0, 300)}; pages: ${trace.join(' | ')}`);
  } finally {
    await context.close();
  }

  let result;
  for (let i = 0; i < 10; i++) {
    result = await poll();
    if (result.status === 200 || result.json?.error !== 'authorization_pending') break;
    await sleep(1000);
  }
  assert.equal(result.status, 200, `poll after sign-in: ${result.text.slice(0, 300)}`);
  assertUserAccessToken(result.json.access_token, r, 'bob');
  assert.ok(result.json.refresh_token, 'refresh_token is required');
});

test('without the test CA in NSS, Chromium refuses the server (INTEROP §2.6)', async () => {
  const bareHome = scratchHome(false);
  const bare = await launch(bareHome);
  try {
    const page = await bare.newPage();
    const err = await page.goto(`https://${LOGIN}/${r.tenant_domain}/v2.0/.well-known/openid-configuration`)
      .then(() => null, (e) => e);
    assert.ok(err, 'the page loaded although the CA is not trusted');
    assert.match(String(err.message), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await bare.close();
    rmSync(bareHome, { recursive: true, force: true });
  }
});
