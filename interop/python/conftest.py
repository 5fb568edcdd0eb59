"""Fixtures shared by the Python interop suites (run through interop/run.sh)."""

import pytest

import rig


@pytest.fixture(scope="session")
def r() -> dict:
    """The test server's ready file: URLs, CA, tenant, users, confidential app."""
    return rig.ready()


@pytest.fixture(params=["proxy", "direct"])
def route(request, r, monkeypatch) -> rig.Route:
    """Each test that takes `route` runs once per route, with the process environment set
    the way a user of that route would set it."""
    rt = rig.proxy_route(r) if request.param == "proxy" else rig.direct_route(r)
    rt.env(monkeypatch)
    return rt


@pytest.fixture
def proxy(r, monkeypatch) -> rig.Route:
    rt = rig.proxy_route(r)
    rt.env(monkeypatch)
    return rt


@pytest.fixture
def direct(r, monkeypatch) -> rig.Route:
    rt = rig.direct_route(r)
    rt.env(monkeypatch)
    return rt
