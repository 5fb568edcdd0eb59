"""roadtx 1.22.1 device join, register and delete against Cerulean's DRS (INTEROP.md §4.3,
§4.4 item 2 and the delete item), through the CONNECT proxy under the real host name
`enterpriseregistration.windows.net`; then the PRT on a device joined that way (§4.4
items 3–5: request by password and by refresh token, renew, prtauth, the PRT cookie,
deviceauth).

roadtx exits 0 even when the DRS refuses a request (it prints the error and returns), so
every test checks what roadtx printed, the files it wrote, the certificate itself (with the
real `openssl` CLI) and the directory as the Graph API shows it to an administrator.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

import rig
from test_roadtx import explain, run, tokens

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
OID_DEVICE_ID = "1.2.840.113556.1.5.284.2"
OID_USER_ID = "1.2.840.113556.1.5.284.3"
OID_TENANT_ID = "1.2.840.113556.1.5.284.5"
OID_JOIN_TYPE = "1.2.840.113556.1.5.284.7"


@pytest.fixture
def cwd(tmp_path) -> Path:
    return tmp_path


def drs_token(r: dict, cwd: Path, user: str = "alice") -> None:
    u = r["users"][user]
    proc = run(r, cwd, "gettokens", "-u", u["upn"], "-p", u["password"], "-r", "drs")
    assert proc.returncode == 0, explain(proc)


def device_id_printed(proc: subprocess.CompletedProcess) -> str:
    ids = re.findall(rf"Device ID: ({GUID})", proc.stdout)
    # The certificate has exactly one subject RDN (INTEROP §3.6), so roadtx prints one id.
    assert len(ids) == 1, explain(proc)
    return ids[0]


def openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)


def admin_session(r: dict) -> requests.Session:
    """A session carrying an administrator's Graph token, obtained with ROPC directly."""
    route = rig.direct_route(r)
    admin = r["users"]["admin"]
    res = route.session().post(
        f"{route.base}/{r['tenant_id']}/oauth2/token",
        data={"grant_type": "password", "client_id": rig.AZURE_CLI, "resource": rig.GRAPH,
              "username": admin["upn"], "password": admin["password"]},
        timeout=30)
    assert res.status_code == 200, res.text
    s = route.session()
    s.headers["Authorization"] = f"Bearer {res.json()['access_token']}"
    return s


def graph_device(r: dict, device_id: str) -> dict | None:
    route = rig.direct_route(r)
    res = admin_session(r).get(f"{route.base}/v1.0/devices",
                               params={"$filter": f"deviceId eq '{device_id}'"}, timeout=30)
    assert res.status_code == 200, res.text
    found = res.json()["value"]
    assert len(found) <= 1, found
    return found[0] if found else None


def ms_ext(cert, oid: str) -> bytes:
    """The value of a private 1.2.840.113556.1.5.284.x extension: extnValue wraps an OCTET
    STRING (short or long-form length) holding the value."""
    raw = cert.extensions.get_extension_for_oid(ObjectIdentifier(oid)).value.value
    assert raw[0] == 0x04, raw.hex()
    return raw[3:] if raw[1] == 0x81 else raw[2:]


def assert_certificate(r: dict, path: Path, device_id: str, user: str, joined: bool) -> None:
    text = openssl("x509", "-in", str(path), "-noout", "-text", "-nameopt", "RFC2253")
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert re.search(rf"Subject: CN\s*=\s*{device_id}\s*$", out, re.M), out
    assert "MS-Organization-Access" in out, "issuer is Entra's MS-Organization-Access name"
    assert "TLS Web Client Authentication" in out, out
    # Issued by the tenant's device CA, which the test server writes out for this check.
    verify = openssl("verify", "-CAfile", r["device_ca_path"], "-purpose", "sslclient", str(path))
    assert verify.returncode == 0 and ": OK" in verify.stdout, verify.stdout + verify.stderr

    cert = x509.load_pem_x509_certificate(path.read_bytes())
    # GUIDs in Microsoft byte order (PROTOCOLS §4.6).
    assert ms_ext(cert, OID_DEVICE_ID) == uuid.UUID(device_id).bytes_le
    assert ms_ext(cert, OID_USER_ID) == uuid.UUID(r["users"][user]["object_id"]).bytes_le
    assert ms_ext(cert, OID_TENANT_ID) == uuid.UUID(r["tenant_id"]).bytes_le
    assert ms_ext(cert, OID_JOIN_TYPE) == (b"1" if joined else b"0")


def test_join_issues_a_certificate_from_the_tenant_ca(r, cwd):
    drs_token(r, cwd)
    proc = run(r, cwd, "device", "-a", "join", "-n", "interop-join", "-d", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    cert, key = cwd / "interop-join.pem", cwd / "interop-join.key"
    assert cert.exists() and key.exists(), explain(proc)
    assert_certificate(r, cert, device_id, "alice", joined=True)

    device = graph_device(r, device_id)
    assert device is not None, f"device {device_id} not in the directory"
    assert device["trustType"] == "AzureAd"
    assert device["displayName"] == "interop-join"
    assert device["operatingSystem"] == "Windows"
    assert device["operatingSystemVersion"] == "10.0.19041.928"
    assert device["accountEnabled"] is True


def test_register_is_a_workplace_device(r, cwd):
    drs_token(r, cwd, "bob")
    proc = run(r, cwd, "device", "-a", "register", "-n", "interop-register")
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    assert_certificate(r, cwd / "interop-register.pem", device_id, "bob", joined=False)
    device = graph_device(r, device_id)
    assert device is not None
    assert device["trustType"] == "Workplace"


def test_delete_with_the_device_certificate(r, cwd):
    drs_token(r, cwd)
    proc = run(r, cwd, "device", "-a", "join", "-n", "interop-leave", "-d", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    assert graph_device(r, device_id) is not None

    # `device -a delete` is a bare requests.delete with the client certificate: only
    # HTTPS_PROXY and REQUESTS_CA_BUNDLE route it (INTEROP §4.5), both set by `run`.
    proc = run(r, cwd, "device", "-a", "delete", "-c", "interop-leave.pem", "-k", "interop-leave.key")
    assert proc.returncode == 0, explain(proc)
    assert "Device was deleted" in proc.stdout, explain(proc)
    assert graph_device(r, device_id) is None

    # The certificate of a deleted device authenticates nothing any more.
    proc = run(r, cwd, "device", "-a", "delete", "-c", "interop-leave.pem", "-k", "interop-leave.key")
    assert "Error deleting device" in proc.stdout, explain(proc)


def test_a_disabled_device_cannot_delete_itself(r, cwd):
    """Revocation: once an administrator disables the device (Graph PATCH), its
    certificate no longer authenticates it to the DRS; the device stays, disabled."""
    drs_token(r, cwd)
    proc = run(r, cwd, "device", "-a", "join", "-n", "interop-disabled", "-d", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    device = graph_device(r, device_id)
    assert device is not None
    route = rig.direct_route(r)
    res = admin_session(r).patch(f"{route.base}/v1.0/devices/{device['id']}",
                                 json={"accountEnabled": False}, timeout=30)
    assert res.status_code == 204, res.text

    proc = run(r, cwd, "device", "-a", "delete", "-c", "interop-disabled.pem", "-k", "interop-disabled.key")
    assert "Error deleting device" in proc.stdout, explain(proc)
    assert "ErrorType" in proc.stdout, "the refusal is in the DRS error format"
    device = graph_device(r, device_id)
    assert device is not None and device["accountEnabled"] is False


def test_prt_request_with_password(r, cwd):
    """`prt -a request` (INTEROP §4.4 item 3): srv_challenge, then the device-signed
    jwt-bearer request (x5c as a string, kdf_ver 2, tgt=True). roadtx decrypts
    session_key_jwe with the device key (its transport key) and saves roadtx.prt.
    Then the session-key-signed requests (items 5 and 6): `prt -a renew` and
    `prtauth -r msgraph`, whose answers are AES-256-CBC JWEs roadtx decrypts itself."""
    drs_token(r, cwd)
    proc = run(r, cwd, "device", "-a", "join", "-n", "interop-prt", "-d", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    alice = r["users"]["alice"]
    proc = run(r, cwd, "prt", "-a", "request", "-c", "interop-prt.pem", "-k", "interop-prt.key",
               "-u", alice["upn"], "-p", alice["password"])
    assert proc.returncode == 0, explain(proc)
    saved = cwd / "roadtx.prt"
    assert saved.exists(), explain(proc)
    prt = json.loads(saved.read_text())
    assert isinstance(prt["refresh_token"], str) and len(prt["refresh_token"]) >= 43, prt.keys()
    session_key = bytes.fromhex(prt["session_key"])
    assert len(session_key) == 32

    # Renewal: a new PRT under the same session key (KDF v2 request, CBC answer).
    proc = run(r, cwd, "prt", "-a", "renew")
    assert proc.returncode == 0, explain(proc)
    renewed = json.loads(saved.read_text())
    assert renewed["refresh_token"] != prt["refresh_token"], explain(proc)
    assert renewed["session_key"] == prt["session_key"]
    assert rig.jwt_claims(renewed["id_token"])["deviceid"] == device_id

    # An access token for Graph, as Azure CLI, bound to the device.
    (cwd / ".roadtools_auth").unlink()
    proc = run(r, cwd, "prtauth", "-r", "msgraph")
    assert proc.returncode == 0, explain(proc)
    graph = tokens(cwd)
    at = rig.jwt_claims(graph["accessToken"])
    assert at["deviceid"] == device_id, at
    assert "graph.microsoft.com" in at["aud"] or at["aud"] == "00000003-0000-0000-c000-000000000000", at

    # A wrong password is refused with ROPC's error, and nothing is saved.
    saved.unlink()
    proc = run(r, cwd, "prt", "-a", "request", "-c", "interop-prt.pem", "-k", "interop-prt.key",
               "-u", alice["upn"], "-p", "wrong")
    assert not saved.exists(), explain(proc)
    assert "AADSTS50126" in proc.stdout + proc.stderr, explain(proc)


def test_prt_request_with_refresh_token(r, cwd):
    """`prt -a request -r file` (INTEROP §4.4 item 4): the refresh token `gettokens` saved
    in .roadtools_auth (issued to the Azure CLI) goes in the device-signed request as an
    inner `grant_type: refresh_token` with client 29d9ed98-… (the broker, a FOCI sibling).
    The PRT carries the sign-in the refresh token came from; the token is then spent."""
    drs_token(r, cwd)
    proc = run(r, cwd, "device", "-a", "join", "-n", "interop-prt-rt", "-d", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    proc = run(r, cwd, "prt", "-a", "request", "-c", "interop-prt-rt.pem",
               "-k", "interop-prt-rt.key", "-r", "file")
    assert proc.returncode == 0, explain(proc)
    saved = cwd / "roadtx.prt"
    assert saved.exists(), explain(proc)
    prt = json.loads(saved.read_text())
    assert isinstance(prt["refresh_token"], str) and len(prt["refresh_token"]) >= 43, prt.keys()
    assert len(bytes.fromhex(prt["session_key"])) == 32
    claims = rig.jwt_claims(prt["id_token"])
    assert claims["deviceid"] == device_id, claims
    assert claims["aud"] == "29d9ed98-a469-4536-ade2-f981bc1d605e", claims
    assert "pwd" in claims.get("amr", []), claims

    # The refresh token was consumed: the same request again is reuse (AADSTS70008).
    saved.unlink()
    proc = run(r, cwd, "prt", "-a", "request", "-c", "interop-prt-rt.pem",
               "-k", "interop-prt-rt.key", "-r", "file")
    assert not saved.exists(), explain(proc)
    assert "AADSTS70008" in proc.stdout + proc.stderr, explain(proc)


def joined_with_prt(r: dict, cwd: Path, name: str) -> tuple[str, dict]:
    """A joined device and alice's PRT for it (roadtx.prt), as `prt -a request` saves it."""
    drs_token(r, cwd)
    proc = run(r, cwd, "device", "-a", "join", "-n", name, "-d", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    alice = r["users"]["alice"]
    proc = run(r, cwd, "prt", "-a", "request", "-c", f"{name}.pem", "-k", f"{name}.key",
               "-u", alice["upn"], "-p", alice["password"])
    assert proc.returncode == 0, explain(proc)
    return device_id, json.loads((cwd / "roadtx.prt").read_text())


def test_gettokens_with_prt_cookie(r, cwd):
    """`gettokens --prt … --prt-sessionkey … -r msgraph` (INTEROP §4.3, PROTOCOLS §5.6):
    srv_challenge, then /authorize with the `x-ms-RefreshTokenCredential` cookie (KDF v2,
    and KDF v1 with --kdf-v1); the 302 carries a code roadtx redeems. The tokens are
    alice's, bound to the device."""
    device_id, prt = joined_with_prt(r, cwd, "interop-sso")
    for extra in ([], ["--kdf-v1"]):
        auth = cwd / ".roadtools_auth"
        if auth.exists():
            auth.unlink()
        proc = run(r, cwd, "gettokens", "--prt", prt["refresh_token"],
                   "--prt-sessionkey", prt["session_key"], "-r", "msgraph", *extra)
        assert proc.returncode == 0, explain(proc)
        assert auth.exists(), explain(proc)
        at = rig.jwt_claims(tokens(cwd)["accessToken"])
        assert at["deviceid"] == device_id, at
        assert at["upn"] == r["users"]["alice"]["upn"], at

    # A wrong session key: no code, roadtx says so and saves nothing.
    (cwd / ".roadtools_auth").unlink()
    proc = run(r, cwd, "gettokens", "--prt", prt["refresh_token"],
               "--prt-sessionkey", "00" * 32, "-r", "msgraph")
    assert not (cwd / ".roadtools_auth").exists(), explain(proc)
    assert "No authentication code was returned" in proc.stdout, explain(proc)


def test_deviceauth_gets_a_device_token(r, cwd):
    """`deviceauth -c X.pem -k X.key` (INTEROP §4.5, PROTOCOLS §5.7): the device-key-signed
    request with inner grant_type device_token; the access token is the device's own
    (`oid` its object id, `deviceid`, `idtyp: device`, no user)."""
    drs_token(r, cwd)
    proc = run(r, cwd, "device", "-a", "join", "-n", "interop-devauth", "-d", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    device_id = device_id_printed(proc)
    (cwd / ".roadtools_auth").unlink()
    proc = run(r, cwd, "deviceauth", "-c", "interop-devauth.pem", "-k", "interop-devauth.key",
               "-r", "msgraph", "-t", r["tenant_domain"])
    assert proc.returncode == 0, explain(proc)
    at = rig.jwt_claims(tokens(cwd)["accessToken"])
    assert at["deviceid"] == device_id, at
    assert at["idtyp"] == "device", at
    assert "upn" not in at, at
    device = graph_device(r, device_id)
    assert device is not None and at["oid"] == device["id"], (at, device)
