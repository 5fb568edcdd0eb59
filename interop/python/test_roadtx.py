"""roadtx 1.22.1 (roadlib 1.7.0) through the CONNECT proxy, as INTEROP.md §4.3/§4.4 run it.

Each test runs the real CLI in a scratch working directory (roadtx writes .roadtools_auth
there) with `-p 127.0.0.1:<proxy port> -s`, and REQUESTS_CA_BUNDLE and HTTPS_PROXY exported
(§4.5: always both). Device join and PRT tests come with their own issues.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import rig
from rig import DRS_AUDIENCE, GRAPH_AUDIENCES

ROADTX = str(Path(sys.executable).with_name("roadtx"))
TIMEOUT = 90


def roadtx_env(r: dict, *, with_ca: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY",
                                "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    env["HTTPS_PROXY"] = r["proxy_url"]
    if with_ca:
        env["REQUESTS_CA_BUNDLE"] = r["ca_path"]
    env["PYTHONUNBUFFERED"] = "1"  # so the device-code message reaches us while it polls
    return env


def base_cmd(r: dict) -> list[str]:
    return [ROADTX, "-p", f"127.0.0.1:{r['proxy_port']}", "-s"]


def run(r: dict, cwd: Path, *args: str, with_ca: bool = True) -> subprocess.CompletedProcess:
    cmd = base_cmd(r) + list(args)
    proc = subprocess.run(cmd, cwd=cwd, env=roadtx_env(r, with_ca=with_ca), capture_output=True,
                          text=True, timeout=TIMEOUT)
    log = rig.artifacts() / "roadtx-cli.log"
    with log.open("a") as f:
        shown = " ".join("***" if a == r["users"]["alice"]["password"] else a for a in args)
        f.write(f"$ roadtx {shown}  (cwd {cwd})\n-- exit {proc.returncode}\n{proc.stdout}{proc.stderr}\n")
    return proc


def tokens(cwd: Path) -> dict:
    path = cwd / ".roadtools_auth"
    assert path.exists(), "roadtx wrote no .roadtools_auth"
    return json.loads(path.read_text())


def explain(proc: subprocess.CompletedProcess) -> str:
    return f"roadtx exited {proc.returncode}\nstdout: {proc.stdout[-1500:]}\nstderr: {proc.stderr[-2500:]}"


@pytest.fixture
def cwd(tmp_path) -> Path:
    return tmp_path


def test_gettokens_password_msgraph(r, cwd):
    alice = r["users"]["alice"]
    proc = run(r, cwd, "gettokens", "-u", alice["upn"], "-p", alice["password"], "-r", "msgraph")
    assert proc.returncode == 0, explain(proc)
    t = tokens(cwd)
    assert t.get("tenantId") == r["tenant_id"], t.get("tenantId")
    assert t.get("_clientId") == rig.AZURE_CLI
    assert t.get("refreshToken"), "roadtx keeps the refresh token (INTEROP §8.4: required)"
    rig.assert_user_access_token(t["accessToken"], r, "alice", audiences=GRAPH_AUDIENCES)


def test_gettokens_password_drs_audience(r, cwd):
    alice = r["users"]["alice"]
    proc = run(r, cwd, "gettokens", "-u", alice["upn"], "-p", alice["password"], "-r", "drs")
    assert proc.returncode == 0, explain(proc)
    t = tokens(cwd)
    claims = rig.jwt_claims(t["accessToken"])
    # roadtx `device -a join` refuses any other aud (INTEROP §4.4 step 2).
    assert claims.get("aud") == DRS_AUDIENCE, f"aud {claims.get('aud')!r}"
    assert isinstance(claims.get("exp"), int)
    assert claims.get("tid") == r["tenant_id"]
    assert claims.get("oid") == alice["object_id"]


def test_refreshtokento_drs_after_msgraph(r, cwd):
    """INTEROP §4.3: the refresh token from a Graph sign-in buys a DRS token (v1 refresh
    grant with another `resource`)."""
    alice = r["users"]["alice"]
    proc = run(r, cwd, "gettokens", "-u", alice["upn"], "-p", alice["password"], "-r", "msgraph")
    assert proc.returncode == 0, explain(proc)
    graph_token = tokens(cwd)["accessToken"]
    proc = run(r, cwd, "refreshtokento", "-r", "drs")
    assert proc.returncode == 0, explain(proc)
    t = tokens(cwd)
    assert t["accessToken"] != graph_token
    claims = rig.jwt_claims(t["accessToken"])
    assert claims.get("aud") == DRS_AUDIENCE, f"aud {claims.get('aud')!r}"
    assert claims.get("oid") == alice["object_id"]
    assert claims.get("tid") == r["tenant_id"]


def test_gettokens_wrong_password_fails_with_50126(r, cwd):
    proc = run(r, cwd, "gettokens", "-u", r["users"]["alice"]["upn"], "-p", "wrong", "-r", "msgraph")
    assert proc.returncode != 0 or not (cwd / ".roadtools_auth").exists(), explain(proc)
    assert "50126" in proc.stdout + proc.stderr, explain(proc)


def test_gettokens_device_code_msgraph(r, cwd):
    cmd = base_cmd(r) + ["gettokens", "--device-code", "-r", "msgraph"]
    proc = subprocess.Popen(cmd, cwd=cwd, env=roadtx_env(r), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    found: dict = {}
    got_message = threading.Event()

    def read_stdout():
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            url = re.search(r"https?://[^\s'\"]+", line)
            code = re.search(r"code\s+([A-Za-z0-9-]{6,})", line)
            if url and code and not got_message.is_set():
                found["url"] = url.group(0).rstrip(".,")
                found["code"] = code.group(1)
                got_message.set()

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    try:
        if not got_message.wait(30):
            proc.kill()
            _, err = proc.communicate(timeout=10)
            pytest.fail(f"roadtx printed no device-code message; stdout: {''.join(lines)!r} stderr: {err[-2000:]}")
        route = rig.proxy_route(r)
        assert found["url"].startswith(route.base + "/") or found["url"].startswith(r["https_url"]), (
            f"verification URL {found['url']!r} is not on this server")
        rig.complete_device_code(route, found["url"], found["code"], r["users"]["alice"],
                                 "roadtx-device-code")
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("roadtx kept polling after the user signed in")
        stderr = proc.stderr.read() if proc.stderr else ""
        reader.join(5)
        assert rc == 0, f"roadtx exited {rc}: {''.join(lines)[-1500:]} {stderr[-2000:]}"
    finally:
        if proc.poll() is None:
            proc.kill()
        with (rig.artifacts() / "roadtx-cli.log").open("a") as f:
            f.write(f"$ roadtx gettokens --device-code -r msgraph\n{''.join(lines)}\n")
    t = tokens(cwd)
    rig.assert_user_access_token(t["accessToken"], r, "alice", audiences=GRAPH_AUDIENCES)


def test_without_ca_bundle_tls_verification_fails(r, cwd):
    """INTEROP §2.6: with -s but no REQUESTS_CA_BUNDLE, roadtx must refuse the server."""
    alice = r["users"]["alice"]
    started = time.monotonic()
    proc = run(r, cwd, "gettokens", "-u", alice["upn"], "-p", alice["password"], "-r", "msgraph",
               with_ca=False)
    assert proc.returncode != 0, explain(proc)
    assert "CERTIFICATE_VERIFY_FAILED" in proc.stdout + proc.stderr, explain(proc)
    assert not (cwd / ".roadtools_auth").exists()
    assert time.monotonic() - started < TIMEOUT
