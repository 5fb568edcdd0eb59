// MSAL Node 7 (@azure/msal-node 7.2.3, msal-common 16.17.0) against a real Cerulean server,
// direct route only (INTEROP.md §6: msal-node ignores every proxy setting):
//   authority https://127.0.0.1:PORT/<tenant id>, knownAuthorities ['127.0.0.1:PORT'],
//   NODE_EXTRA_CA_CERTS=<test CA> (set by interop/run.sh before node starts).
// Run with `node --test interop/node/drive.mjs` through interop/run.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { test } from 'node:test';

import * as msal from '@azure/msal-node';

import {
  AZURE_CLI, GRAPH_SCOPE, REDIRECT_URI, assertIdTokenClaims, assertUserAccessToken, jwtClaims,
  completeDeviceCode, ready, signIn,
} from './lib/rig.mjs';

const r = ready();
const host = new URL(r.https_url).host;
const authority = `${r.https_url}/${r.tenant_id}`;
const SCOPES = [GRAPH_SCOPE];

function publicApp() {
  return new msal.PublicClientApplication({
    auth: { clientId: AZURE_CLI, authority, knownAuthorities: [host] },
    system: {
      loggerOptions: { logLevel: msal.LogLevel.Warning, piiLoggingEnabled: false, loggerCallback: () => {} },
    },
  });
}

function assertResult(result, user, { nonce } = {}) {
  assert.ok(result, 'no result');
  assert.ok(result.accessToken, 'no access token');
  assertUserAccessToken(result.accessToken, r, user);
  assert.ok(result.idToken, 'no id token');
  assertIdTokenClaims(jwtClaims(result.idToken), r, user, { nonce });
  assert.equal(result.tenantId, r.tenant_id);
  // homeAccountId comes from client_info (uid.utid): INTEROP §6.3.
  assert.equal(result.account.homeAccountId, `${r.users[user].object_id}.${r.tenant_id}`);
  assert.equal(result.account.username.toLowerCase(), r.users[user].upn);
  assert.ok(result.expiresOn instanceof Date && result.expiresOn > new Date(), 'expiresOn');
  return result;
}

/** The token verifies (RS256) under a key published at the discovery document's jwks_uri. */
async function assertSignedByJwks(token) {
  const doc = await (await fetch(`${authority}/v2.0/.well-known/openid-configuration`)).json();
  const { keys } = await (await fetch(doc.jwks_uri)).json();
  const [h, p, sig] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  assert.equal(header.alg, 'RS256');
  const jwk = keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is not in the JWKS (${keys.map((k) => k.kid)})`);
  const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(sig, 'base64url'));
  assert.ok(ok, 'signature does not verify under the published key');
}

/** Device code with the user's side done by HTTP form submission. */
async function deviceCode(pca, user, label) {
  let userSide;
  let response;
  const request = {
    scopes: SCOPES,
    timeout: 90,
    deviceCodeCallback: (resp) => {
      response = resp;
      userSide = completeDeviceCode(resp.verificationUri, resp.userCode, r.users[user], label);
      // If the user side fails, stop msal's polling at once (its documented cancel flag).
      userSide.catch(() => { request.cancel = true; });
    },
  };
  let result;
  let pollError;
  try {
    result = await pca.acquireTokenByDeviceCode(request);
  } catch (e) {
    pollError = e;
  }
  if (userSide) await userSide; // the user side's failure explains a poll failure best
  if (pollError) throw pollError;
  return { result, response };
}

test('oidc discovery: issuer and endpoints on the direct authority', async () => {
  const res = await fetch(`${authority}/v2.0/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  for (const k of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'device_authorization_endpoint']) {
    assert.equal(typeof doc[k], 'string', `discovery lacks ${k}`);
  }
  // msal-node validates the issuer: same scheme/host/port as the authority, a known
  // Microsoft host, or a knownAuthorities host (INTEROP §6.2).
  const issuer = new URL(doc.issuer);
  const microsoft = ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'];
  assert.ok(issuer.host === host || (issuer.protocol === 'https:' && microsoft.includes(issuer.host)),
    `issuer ${doc.issuer} is neither on ${host} nor a well-known Microsoft host`);
  assert.ok(doc.token_endpoint.startsWith(`${r.https_url}/`), doc.token_endpoint);
});

test('device code flow (acquireTokenByDeviceCode, grant_type=device_code)', async () => {
  const pca = publicApp();
  const { result, response } = await deviceCode(pca, 'alice', 'msal-node-device-code');
  assert.ok(response.message.includes(response.userCode), 'message names the user code');
  assert.ok(response.verificationUri.startsWith(`${r.https_url}/`),
    `verification_uri ${response.verificationUri} must be built from the request's Host`);
  assertResult(result, 'alice');
});

test('silent refresh (acquireTokenSilent forceRefresh) after device code', async () => {
  const pca = publicApp();
  const { result: first } = await deviceCode(pca, 'bob', 'msal-node-refresh');
  assertResult(first, 'bob');
  const [account] = await pca.getTokenCache().getAllAccounts();
  assert.ok(account, 'the cache holds the account');
  const second = await pca.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: true });
  assert.equal(second.fromCache, false, 'forceRefresh must reach the token endpoint');
  assertUserAccessToken(second.accessToken, r, 'bob');
  assert.equal(second.account.homeAccountId, first.account.homeAccountId);
});

test('auth code + PKCE with nonce and state checks (getAuthCodeUrl, acquireTokenByCode)', async () => {
  const pca = publicApp();
  const { verifier, challenge } = await new msal.CryptoProvider().generatePkceCodes();
  const state = randomBytes(12).toString('hex');
  const nonce = randomBytes(12).toString('hex');
  const url = await pca.getAuthCodeUrl({
    scopes: SCOPES, redirectUri: REDIRECT_URI, codeChallenge: challenge, codeChallengeMethod: 'S256',
    state, nonce,
  });
  const outcome = await signIn(url, r.users.alice, 'msal-node-auth-code', { redirectPrefix: REDIRECT_URI });
  assert.ok(outcome.redirect, `sign-in did not redirect to ${REDIRECT_URI}; ended at ${outcome.finalUrl}: ${outcome.text.slice(0, 300)}`);
  const back = new URL(outcome.redirect).searchParams;
  assert.ok(back.get('code'), `redirect without code: ${outcome.redirect}`);
  assert.equal(back.get('state'), state, 'state must come back unchanged');
  const result = await pca.acquireTokenByCode(
    { code: back.get('code'), scopes: SCOPES, redirectUri: REDIRECT_URI, codeVerifier: verifier, state, nonce },
    { code: back.get('code'), state: back.get('state') },
  );
  assertResult(result, 'alice', { nonce });
  assert.equal(result.idTokenClaims.nonce, nonce);
  await assertSignedByJwks(result.idToken);
  await assertSignedByJwks(result.accessToken);
});

test('auth code redeemed twice is rejected (invalid_grant)', async () => {
  const pca = publicApp();
  const { verifier, challenge } = await new msal.CryptoProvider().generatePkceCodes();
  const url = await pca.getAuthCodeUrl({
    scopes: SCOPES, redirectUri: REDIRECT_URI, codeChallenge: challenge, codeChallengeMethod: 'S256',
  });
  const outcome = await signIn(url, r.users.bob, 'msal-node-code-replay', { redirectPrefix: REDIRECT_URI });
  assert.ok(outcome.redirect, `no redirect; ended at ${outcome.finalUrl}`);
  const code = new URL(outcome.redirect).searchParams.get('code');
  const request = { code, scopes: SCOPES, redirectUri: REDIRECT_URI, codeVerifier: verifier };
  await pca.acquireTokenByCode(request);
  await assert.rejects(pca.acquireTokenByCode(request), (e) => {
    assert.equal(e.errorCode, 'invalid_grant', `${e.errorCode}: ${e.errorMessage}`);
    return true;
  });
});

test('without NODE_EXTRA_CA_CERTS the TLS handshake fails (INTEROP §2.6)', () => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const script = `fetch(${JSON.stringify(`${authority}/v2.0/.well-known/openid-configuration`)})
    .then(() => { console.log('CONNECTED'); process.exit(0); })
    .catch((e) => { console.log(String(e.cause?.code ?? e.cause ?? e)); process.exit(3); });`;
  const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 30000 });
  assert.equal(child.status, 3, `expected a TLS failure, got: ${child.stdout} ${child.stderr}`);
  assert.match(child.stdout, /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
});
