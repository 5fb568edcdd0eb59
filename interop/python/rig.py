"""Shared helpers for the Python interop suites: the ready file, routes, token decoding."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import requests

from formdriver import Credentials, Driver, Outcome

GRAPH = "https://graph.microsoft.com"
GRAPH_AUDIENCES = {GRAPH, GRAPH + "/", "00000003-0000-0000-c000-000000000000"}
DRS_AUDIENCE = "urn:ms-drs:enterpriseregistration.windows.net"
AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
REDIRECT_URI = "http://localhost:53100"
LOGIN_HOST = "login.microsoftonline.com"


def ready() -> dict:
    path = os.environ.get("CERULEAN_READY_FILE")
    if not path:
        raise RuntimeError("CERULEAN_READY_FILE is not set: run the suites through interop/run.sh")
    return json.loads(Path(path).read_text())


def artifacts() -> Path:
    p = Path(os.environ.get("CERULEAN_ARTIFACTS", "artifacts/interop"))
    p.mkdir(parents=True, exist_ok=True)
    return p


def b64url_json(segment: str) -> dict:
    """Decodes an unpadded base64url JSON segment; padding in the input is a defect."""
    assert "=" not in segment, f"segment is padded: {segment[:40]}"
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def jwt_claims(token: str) -> dict:
    parts = token.split(".")
    assert len(parts) == 3, f"not a three-part JWT: {len(parts)} parts"
    return b64url_json(parts[1])


def jwt_header(token: str) -> dict:
    return b64url_json(token.split(".")[0])


@dataclass
class Route:
    """How a client reaches the server: through the CONNECT proxy under Microsoft's host
    name (INTEROP §2.5 route A), or directly at https://127.0.0.1:PORT (route C)."""

    name: str
    base: str  # scheme://host[:port], no trailing slash
    proxy_url: str | None
    ca_path: str

    @property
    def via_proxy(self) -> bool:
        return self.proxy_url is not None

    def authority(self, tenant: str) -> str:
        return f"{self.base}/{tenant}"

    def env(self, monkeypatch) -> None:
        """Sets the process environment the way a user of this route would."""
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", self.ca_path)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(var, raising=False)
        if self.proxy_url:
            monkeypatch.setenv("HTTPS_PROXY", self.proxy_url)
            monkeypatch.delenv("NO_PROXY", raising=False)
            monkeypatch.delenv("no_proxy", raising=False)
        else:
            monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    def session(self) -> requests.Session:
        """A requests session for the harness's own browser-like calls on this route."""
        s = requests.Session()
        s.trust_env = False
        s.verify = self.ca_path
        if self.proxy_url:
            s.proxies = {"https": self.proxy_url}
        s.headers["User-Agent"] = "cerulean-interop-harness (python-requests)"
        return s


def proxy_route(r: dict) -> Route:
    return Route("proxy", f"https://{LOGIN_HOST}", r["proxy_url"], r["ca_path"])


def direct_route(r: dict) -> Route:
    return Route("direct", r["https_url"].rstrip("/"), None, r["ca_path"])


SUCCESS_PAGE = re.compile(r"(success|signed in|you (can|may) (now )?close|all set|approved|complete)", re.I)


def complete_device_code(route: Route, url: str, user_code: str, user: dict, label: str) -> str:
    """The user's side of a device-code flow: open the verification page, enter the code,
    sign in; returns the final page's text, which must read like a success page."""
    outcome = sign_in(route, url, user, label, user_code=user_code)
    assert outcome.redirect is None, f"unexpected redirect to {outcome.redirect}"
    assert SUCCESS_PAGE.search(outcome.final_text), (
        f"device-code sign-in did not end on a success page: {outcome.final_text[:300]!r}; "
        f"trace: {outcome.trace}")
    return outcome.final_text


def sign_in(route: Route, url: str, user: dict, label: str, *, redirect_prefix: str | None = None,
            user_code: str | None = None) -> Outcome:
    """Plays the browser from `url` until the redirect to the client (or a final page)."""
    creds = Credentials(user["upn"], user["password"], user_code)
    with route.session() as s:
        return Driver(s, creds, label, redirect_prefix=redirect_prefix).run(url)


class Background:
    """Runs the user side of a flow on a thread and re-raises its failure in the test."""

    def __init__(self, target, *args, **kwargs) -> None:
        self.result = None
        self.error: BaseException | None = None

        def run():
            try:
                self.result = target(*args, **kwargs)
            except BaseException as e:  # noqa: BLE001 - reported to the test
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self, timeout: float = 60) -> object:
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError("the user side of the flow did not finish in time")
        if self.error is not None:
            raise self.error
        return self.result


def assert_user_access_token(token: str, r: dict, user: str, *, client_id: str = AZURE_CLI,
                             audiences=frozenset(GRAPH_AUDIENCES)) -> dict:
    c = jwt_claims(token)
    u = r["users"][user]
    assert c.get("aud") in audiences, f"aud {c.get('aud')!r} not in {sorted(audiences)}"
    assert c.get("tid") == r["tenant_id"], f"tid {c.get('tid')!r}"
    assert c.get("oid") == u["object_id"], f"oid {c.get('oid')!r} != {u['object_id']}"
    assert (c.get("upn") or "").lower() == u["upn"], f"upn {c.get('upn')!r}"
    assert (c.get("appid") or c.get("azp")) == client_id, f"appid/azp {c.get('appid')!r}/{c.get('azp')!r}"
    assert isinstance(c.get("amr"), list) and c["amr"], f"amr must be a non-empty array: {c.get('amr')!r}"
    assert isinstance(c.get("exp"), int), f"exp {c.get('exp')!r}"
    return c


def assert_id_token(id_token: str, r: dict, user: str, *, client_id: str = AZURE_CLI,
                    nonce: str | None = None) -> dict:
    c = jwt_claims(id_token)
    u = r["users"][user]
    for k in ("name", "oid", "tid", "sub", "preferred_username"):
        assert isinstance(c.get(k), str), f"id_token {k} must be a string: {c.get(k)!r}"
    assert c["oid"] == u["object_id"]
    assert c["tid"] == r["tenant_id"]
    assert c["preferred_username"].lower() == u["upn"]
    assert c.get("aud") == client_id, f"id_token aud {c.get('aud')!r}"
    if nonce is None:
        assert "nonce" not in c, f"id_token carries a nonce nobody sent: {c.get('nonce')!r}"
    else:
        assert c.get("nonce") == nonce, f"id_token nonce {c.get('nonce')!r} != sent {nonce!r}"
    return c


def assert_client_info(client_info: str, r: dict, user: str) -> None:
    ci = b64url_json(client_info)
    assert ci == {"uid": r["users"][user]["object_id"], "utid": r["tenant_id"]} or (
        ci.get("uid") == r["users"][user]["object_id"] and ci.get("utid") == r["tenant_id"]
    ), f"client_info {ci!r}"
