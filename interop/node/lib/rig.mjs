// Shared helpers for the Node suites: the ready file, JWT decoding, claim assertions.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';

import { FormDriver } from './formdriver.mjs';

export const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
export const REDIRECT_URI = 'http://localhost:53100';
export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', 'https://graph.microsoft.com/',
  '00000003-0000-0000-c000-000000000000'];
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export function ready() {
  const path = process.env.CERULEAN_READY_FILE;
  if (!path) throw new Error('CERULEAN_READY_FILE is not set: run the suites through interop/run.sh');
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function artifacts(sub = '') {
  const dir = `${process.env.CERULEAN_ARTIFACTS ?? 'artifacts/interop'}${sub ? '/' + sub : ''}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function b64urlJson(segment) {
  assert.ok(!segment.includes('='), `segment is padded: ${segment.slice(0, 40)}`);
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

export function jwtClaims(token) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'not a three-part JWT');
  return b64urlJson(parts[1]);
}

export function assertUserAccessToken(token, r, user, { clientId = AZURE_CLI, audiences = GRAPH_AUDIENCES } = {}) {
  const c = jwtClaims(token);
  const u = r.users[user];
  assert.ok(audiences.includes(c.aud), `aud ${c.aud} not in ${audiences}`);
  assert.equal(c.tid, r.tenant_id, 'tid');
  assert.equal(c.oid, u.object_id, 'oid');
  assert.equal((c.upn ?? '').toLowerCase(), u.upn, 'upn');
  assert.equal(c.appid ?? c.azp, clientId, 'appid/azp');
  assert.ok(Array.isArray(c.amr) && c.amr.length > 0, `amr must be a non-empty array: ${JSON.stringify(c.amr)}`);
  assert.equal(typeof c.exp, 'number', 'exp');
  return c;
}

export function assertIdTokenClaims(c, r, user, { clientId = AZURE_CLI, nonce } = {}) {
  const u = r.users[user];
  for (const k of ['name', 'oid', 'tid', 'sub', 'preferred_username']) {
    assert.equal(typeof c[k], 'string', `id_token ${k} must be a string: ${JSON.stringify(c[k])}`);
  }
  assert.equal(c.oid, u.object_id);
  assert.equal(c.tid, r.tenant_id);
  assert.equal(c.preferred_username.toLowerCase(), u.upn);
  assert.equal(c.aud, clientId, 'id_token aud');
  if (nonce === undefined) assert.ok(!('nonce' in c), `id_token carries a nonce nobody sent: ${c.nonce}`);
  else assert.equal(c.nonce, nonce, 'id_token nonce must equal the nonce sent');
  return c;
}

/** The user's side of a browser flow, by HTTP and HTML form parsing. */
export async function signIn(url, user, label, { redirectPrefix, userCode } = {}) {
  const driver = new FormDriver({ username: user.upn, password: user.password, userCode },
    { label, redirectPrefix, artifacts: artifacts() });
  return driver.run(url);
}

export const SUCCESS_PAGE = /(success|signed in|you (can|may) (now )?close|all set|approved|complete)/i;

/** The user's side of a device-code flow; the last page must read like a success page. */
export async function completeDeviceCode(url, userCode, user, label) {
  const outcome = await signIn(url, user, label, { userCode });
  assert.equal(outcome.redirect, null, `unexpected redirect to ${outcome.redirect}`);
  assert.match(outcome.text, SUCCESS_PAGE,
    `device-code sign-in did not end on a success page: ${outcome.text.slice(0, 300)}\ntrace:\n${outcome.trace.join('\n')}`);
  return outcome;
}

export async function postForm(url, fields) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    signal: AbortSignal.timeout(20000),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}

export function pkce() {
  return import('node:crypto').then(({ randomBytes, createHash }) => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    return { verifier, challenge };
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
