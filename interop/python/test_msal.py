"""MSAL Python (PyPI msal 1.39.0) against a real Cerulean server (INTEROP.md §5).

Two routes:
- proxy: authority https://login.microsoftonline.com/<tenant> with HTTPS_PROXY pointing at
  the test kit's CONNECT proxy and REQUESTS_CA_BUNDLE at the test CA (route A);
- direct: authority https://127.0.0.1:PORT/<tenant> with instance_discovery=False (route C).

ROPC on the direct route needs msal's user-realm lookup skipped (INTEROP §5.4: it drops the
port); that test pre-seeds msal's private skip-list and says so.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

import rig
from rig import AZURE_CLI, GRAPH, REDIRECT_URI

SCOPES = [f"{GRAPH}/.default"]


def public_app(route: rig.Route, tenant: str) -> msal.PublicClientApplication:
    kwargs = {}
    if not route.via_proxy:
        kwargs["instance_discovery"] = False
    return msal.PublicClientApplication(
        AZURE_CLI, authority=route.authority(tenant), timeout=15, **kwargs)


def assert_token_response(result: dict, r: dict, user: str, *, nonce: str | None = None) -> dict:
    assert "error" not in result, f"{result.get('error')}: {result.get('error_description')}"
    assert "access_token" in result, f"no access_token in {sorted(result)}"
    assert result.get("token_type", "").lower() == "bearer", result.get("token_type")
    assert result.get("refresh_token"), "refresh_token is required (INTEROP §8.4)"
    assert "ext_expires_in" in result, "ext_expires_in is required (INTEROP §8.4)"
    assert int(result["expires_in"]) > 0
    claims = rig.assert_user_access_token(result["access_token"], r, user)
    assert "id_token" in result, "an openid request returns an id_token"
    rig.assert_id_token(result["id_token"], r, user, nonce=nonce)
    assert "client_info" in result, "client_info=1 was sent, so client_info is expected"
    rig.assert_client_info(result["client_info"], r, user)
    return claims


def ropc(app: msal.PublicClientApplication, user: dict, password: str | None = None) -> dict:
    return app.acquire_token_by_username_password(
        user["upn"], password or user["password"], scopes=SCOPES)


@pytest.fixture
def skip_user_realm_on_loopback():
    """INTEROP §5.4: msal builds the user-realm URL without the port. Pre-seed its (private)
    per-host skip list for 127.0.0.1 so the direct route can exercise ROPC."""
    domains = msal.authority.Authority._domains_without_user_realm_discovery
    before = set(domains)
    domains.add("127.0.0.1")
    yield
    domains.clear()
    domains.update(before)


# -- discovery --------------------------------------------------------------------------------


def test_oidc_discovery_document(route, r):
    """msal's first call; every endpoint must be an absolute URL on the same route."""
    with route.session() as s:
        resp = s.get(f"{route.authority(r['tenant_id'])}/v2.0/.well-known/openid-configuration", timeout=15)
    assert resp.status_code == 200, resp.text[:300]
    doc = resp.json()
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "device_authorization_endpoint",
                "jwks_uri"):
        assert key in doc, f"discovery lacks {key}"
    for key in ("authorization_endpoint", "token_endpoint", "device_authorization_endpoint", "jwks_uri"):
        assert doc[key].startswith(route.base + "/"), f"{key} {doc[key]!r} is not on {route.base}"
    assert doc["token_endpoint"].endswith("/oauth2/v2.0/token")
    assert doc["device_authorization_endpoint"].endswith("/oauth2/v2.0/devicecode")


# -- ROPC ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant_form", ["domain", "guid", "organizations", "common"])
def test_ropc_proxy(proxy, r, tenant_form):
    """ROPC through the proxy; the authority's tenant segment in each form Entra accepts."""
    tenant = {"domain": r["tenant_domain"], "guid": r["tenant_id"]}.get(tenant_form, tenant_form)
    app = public_app(proxy, tenant)
    result = ropc(app, r["users"]["alice"])
    assert_token_response(result, r, "alice")
    assert result["token_source"] == "identity_provider"
    accounts = app.get_accounts(username=r["users"]["alice"]["upn"])
    assert len(accounts) == 1
    assert accounts[0]["home_account_id"] == f"{r['users']['alice']['object_id']}.{r['tenant_id']}"


def test_tokens_verify_against_published_jwks(route, r, skip_user_realm_on_loopback):
    """msal does not check signatures (§5.3), but every relying party will: the access token
    and id_token must verify under a key from the discovery document's jwks_uri."""
    import jwt  # PyJWT, installed with msal

    tenant = r["tenant_domain"] if route.via_proxy else r["tenant_id"]
    result = ropc(public_app(route, tenant), r["users"]["alice"])
    assert "access_token" in result, result
    with route.session() as s:
        doc = s.get(f"{route.authority(tenant)}/v2.0/.well-known/openid-configuration", timeout=15).json()
        jwks = s.get(doc["jwks_uri"], timeout=15).json()
    keys = {k.get("kid"): k for k in jwks["keys"]}
    for name, token, audience in (("access_token", result["access_token"], None),
                                  ("id_token", result["id_token"], AZURE_CLI)):
        header = rig.jwt_header(token)
        assert header.get("alg") == "RS256", f"{name} alg {header.get('alg')!r}"
        assert header.get("kid") in keys, f"{name} kid {header.get('kid')!r} not in jwks {sorted(keys)}"
        key = jwt.PyJWK(keys[header["kid"]]).key
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=audience,
                            options={"verify_aud": audience is not None})
        assert claims["tid"] == r["tenant_id"]


def test_ropc_direct_with_user_realm_skipped(direct, r, skip_user_realm_on_loopback):
    app = public_app(direct, r["tenant_id"])
    result = ropc(app, r["users"]["bob"])
    assert_token_response(result, r, "bob")


def test_ropc_wrong_password_is_50126(proxy, r):
    app = public_app(proxy, r["tenant_domain"])
    result = ropc(app, r["users"]["alice"], password="not-the-password")
    assert result.get("error") == "invalid_grant", result
    assert 50126 in result.get("error_codes", []), result
    assert "access_token" not in result


def test_ropc_unknown_user_is_50034(proxy, r):
    app = public_app(proxy, r["tenant_domain"])
    result = ropc(app, {"upn": "nobody@contoso.test", "password": "Passw0rd!"})
    assert result.get("error") == "invalid_grant", result
    assert 50034 in result.get("error_codes", []), result


# -- refresh ------------------------------------------------------------------------------------


def test_refresh_silent_force_refresh(route, r, skip_user_realm_on_loopback):
    tenant = r["tenant_domain"] if route.via_proxy else r["tenant_id"]
    app = public_app(route, tenant)
    first = ropc(app, r["users"]["alice"])
    assert_token_response(first, r, "alice")
    account = app.get_accounts(username=r["users"]["alice"]["upn"])[0]
    second = app.acquire_token_silent(SCOPES, account=account, force_refresh=True)
    assert second is not None, "acquire_token_silent found no usable refresh token"
    assert "error" not in second, second
    assert second["token_source"] == "identity_provider", "force_refresh must reach the server"
    claims = rig.assert_user_access_token(second["access_token"], r, "alice")
    assert claims["oid"] == r["users"]["alice"]["object_id"]


def test_refresh_by_refresh_token(proxy, r):
    app = public_app(proxy, r["tenant_domain"])
    first = ropc(app, r["users"]["alice"])
    assert "refresh_token" in first, first
    again = app.acquire_token_by_refresh_token(first["refresh_token"], scopes=SCOPES)
    assert "error" not in again, again
    rig.assert_user_access_token(again["access_token"], r, "alice")
    assert again.get("refresh_token"), "a refresh returns a (possibly rotated) refresh token"


def test_refresh_with_garbage_token_is_invalid_grant(proxy, r):
    app = public_app(proxy, r["tenant_domain"])
    result = app.acquire_token_by_refresh_token("not-a-refresh-token", scopes=SCOPES)
    assert result.get("error") == "invalid_grant", result


# -- device code --------------------------------------------------------------------------------


def user_side_of(route: rig.Route, flow: dict, user: dict, label: str) -> str:
    """Completes the device code in the background; on failure it stops msal's polling."""
    try:
        return rig.complete_device_code(route, flow["verification_uri"], flow["user_code"], user, label)
    except BaseException:
        flow["expires_at"] = 0  # msal's documented way to abort acquire_token_by_device_flow
        raise


def test_device_code(route, r, request):
    tenant = r["tenant_domain"] if route.via_proxy else r["tenant_id"]
    app = public_app(route, tenant)
    flow = app.initiate_device_flow(scopes=SCOPES)
    assert "user_code" in flow, f"devicecode failed: {flow}"
    for key in ("device_code", "verification_uri", "message"):
        assert key in flow, f"devicecode response lacks {key}"
    assert isinstance(flow["expires_in"], int) and isinstance(flow["interval"], int), (
        "expires_in and interval must be JSON numbers (INTEROP §3.7)")
    assert flow["user_code"] in flow["message"] and flow["verification_uri"] in flow["message"]
    assert flow["verification_uri"].startswith(route.base + "/"), (
        f"verification_uri {flow['verification_uri']!r} must be built from the request's Host")
    flow["expires_at"] = time.time() + 90  # bound the poll, whatever expires_in says
    user_side = rig.Background(user_side_of, route, flow, r["users"]["alice"],
                               f"msal-device-code-{route.name}")
    result = app.acquire_token_by_device_flow(flow)
    user_side.join()
    assert_token_response(result, r, "alice")


def test_device_code_poll_before_sign_in_is_pending(proxy, r):
    """A poll before the user signs in is answered authorization_pending; msal keeps polling
    until the flow is abandoned, then reports the last error."""
    app = public_app(proxy, r["tenant_domain"])
    flow = app.initiate_device_flow(scopes=SCOPES)
    assert "device_code" in flow, flow
    flow["expires_at"] = time.time() + 2
    result = app.acquire_token_by_device_flow(flow)
    assert result.get("error") == "authorization_pending", result


# -- auth code + PKCE ---------------------------------------------------------------------------


def test_auth_code_pkce(route, r):
    tenant = r["tenant_domain"] if route.via_proxy else r["tenant_id"]
    app = public_app(route, tenant)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)
    auth_uri = flow["auth_uri"]
    q = {k: v[0] for k, v in parse_qs(urlsplit(auth_uri).query).items()}
    assert q["code_challenge_method"] == "S256"
    assert q["nonce"] == hashlib.sha256(flow["nonce"].encode()).hexdigest()
    outcome = rig.sign_in(route, auth_uri, r["users"]["alice"], f"msal-auth-code-{route.name}",
                          redirect_prefix=REDIRECT_URI)
    params = outcome.redirect_params()
    assert params.get("code"), f"redirect without code: {outcome.redirect}"
    assert params.get("state") == flow["state"], "state must come back unchanged"
    result = app.acquire_token_by_auth_code_flow(flow, params)
    assert_token_response(result, r, "alice", nonce=q["nonce"])


def test_auth_code_wrong_verifier_is_rejected(proxy, r):
    """PKCE is checked: redeeming with another verifier fails with invalid_grant."""
    app = public_app(proxy, r["tenant_domain"])
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)
    outcome = rig.sign_in(proxy, flow["auth_uri"], r["users"]["alice"], "msal-auth-code-bad-pkce",
                          redirect_prefix=REDIRECT_URI)
    params = outcome.redirect_params()
    flow["code_verifier"] = "x" * 64
    result = app.acquire_token_by_auth_code_flow(flow, params)
    assert result.get("error") == "invalid_grant", result


# -- client credentials -------------------------------------------------------------------------


def test_client_credentials(route, r):
    tenant = r["tenant_domain"] if route.via_proxy else r["tenant_id"]
    app_info = r["confidential_app"]
    kwargs = {} if route.via_proxy else {"instance_discovery": False}
    app = msal.ConfidentialClientApplication(
        app_info["client_id"], client_credential=app_info["client_secret"],
        authority=route.authority(tenant), timeout=15, **kwargs)
    result = app.acquire_token_for_client(scopes=SCOPES)
    assert "error" not in result, result
    c = rig.jwt_claims(result["access_token"])
    assert c.get("aud") in rig.GRAPH_AUDIENCES, c.get("aud")
    assert c.get("tid") == r["tenant_id"]
    assert (c.get("appid") or c.get("azp")) == app_info["client_id"]
    assert "upn" not in c and "scp" not in c, "an app-only token carries no user and no scp"
    assert c.get("idtyp", "app") == "app"
    assert "refresh_token" not in result or not result["refresh_token"]


def test_client_credentials_wrong_secret_is_7000215(proxy, r):
    app = msal.ConfidentialClientApplication(
        r["confidential_app"]["client_id"], client_credential="wrong-secret",
        authority=proxy.authority(r["tenant_domain"]), timeout=15)
    result = app.acquire_token_for_client(scopes=SCOPES)
    assert result.get("error") == "invalid_client", result
    assert 7000215 in result.get("error_codes", []), result


# -- TLS trust (INTEROP §2.6: one negative test per stack) --------------------------------------


def test_without_ca_bundle_tls_verification_fails(r, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with pytest.raises(requests.exceptions.SSLError) as exc:
        msal.PublicClientApplication(
            AZURE_CLI, authority=f"{r['https_url']}/{r['tenant_id']}", instance_discovery=False,
            timeout=15)
    assert "CERTIFICATE_VERIFY_FAILED" in str(exc.value)


def test_without_ca_bundle_proxy_route_fails_too(r, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", r["proxy_url"])
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(requests.exceptions.SSLError) as exc:
        requests.get(f"https://{rig.LOGIN_HOST}/{r['tenant_domain']}/v2.0/.well-known/openid-configuration",
                     timeout=15)
    assert "CERTIFICATE_VERIFY_FAILED" in str(exc.value)
