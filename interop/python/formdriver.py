"""Plays the browser against Cerulean's server-rendered sign-in pages with plain HTTP.

The driver does not hard-code the pages' field names. It parses each HTML page's forms
(action, method, hidden fields such as CSRF tokens, submit buttons), fills the fields it
recognises (user name, password, device user code), submits, follows redirects by hand,
and stops at the first redirect to the client's ``redirect_uri`` (whose ``Location`` it
captures without following it) or at a page that has nothing left to submit.

Every page is saved under ``artifacts/interop/pages/<label>/`` for post-mortems.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

USER_FIELD = re.compile(r"(login|user(name)?|email|upn|loginfmt|account|identifier)", re.I)
PASSWORD_FIELD = re.compile(r"(passw|passwd|pwd)", re.I)
CODE_FIELD = re.compile(r"(user_?code|otc|device_?code|^code$|usercode)", re.I)
POSITIVE = re.compile(r"(accept|allow|yes|consent|continue|next|sign ?in|submit|verify|confirm|ok\b|approve|grant)", re.I)
NEGATIVE = re.compile(r"(cancel|deny|decline|reject|\bno\b|back|sign ?out|logout|forgot|other|different)", re.I)


@dataclass
class Control:
    tag: str
    attrs: dict[str, str]
    options: list[tuple[str, bool]] = field(default_factory=list)
    text: str = ""

    @property
    def name(self) -> str:
        return self.attrs.get("name", "")

    @property
    def type(self) -> str:
        if self.tag == "button":
            return self.attrs.get("type", "submit").lower()
        if self.tag == "input":
            return self.attrs.get("type", "text").lower()
        return self.tag

    def label(self) -> str:
        return " ".join(
            v
            for v in (self.name, self.attrs.get("id", ""), self.attrs.get("value", ""), self.text,
                      self.attrs.get("aria-label", ""), self.attrs.get("placeholder", ""),
                      self.attrs.get("autocomplete", ""))
            if v
        )


@dataclass
class Form:
    attrs: dict[str, str]
    controls: list[Control] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.attrs.get("method", "get").upper()


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._open: Control | None = None  # button / textarea / option collecting text
        self._select: Control | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input":
            self._form.controls.append(Control("input", a))
        elif tag in ("button", "textarea"):
            c = Control(tag, a)
            self._form.controls.append(c)
            self._open = c
        elif tag == "select":
            c = Control("select", a)
            self._form.controls.append(c)
            self._select = c
        elif tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag in ("button", "textarea"):
            self._open = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        self.text.append(data)
        if self._open is not None:
            self._open.text += data


def parse_forms(page: str) -> tuple[list[Form], str]:
    p = _FormParser()
    p.feed(page)
    p.close()
    return p.forms, re.sub(r"\s+", " ", " ".join(p.text)).strip()


@dataclass
class Credentials:
    username: str
    password: str
    user_code: str | None = None


@dataclass
class Outcome:
    """Where the walk ended: a captured redirect or a final page."""

    redirect: str | None  # the Location that pointed at redirect_uri, unfollowed
    final_url: str
    final_status: int
    final_text: str  # visible text of the last page
    trace: list[str]

    def redirect_params(self) -> dict[str, str]:
        assert self.redirect is not None, "the sign-in did not redirect to the client"
        return dict(parse_qsl(urlsplit(self.redirect).query, keep_blank_values=True))


class SignInError(AssertionError):
    pass


class Driver:
    def __init__(self, session: requests.Session, creds: Credentials, label: str,
                 redirect_prefix: str | None = None, max_steps: int = 12) -> None:
        self.s = session
        self.creds = creds
        self.redirect_prefix = redirect_prefix
        self.max_steps = max_steps
        self.trace: list[str] = []
        self.pages_dir = Path(os.environ.get("CERULEAN_ARTIFACTS", "artifacts/interop")) / "pages" / label
        self._page_no = 0
        self._used_password = False

    # -- the walk -------------------------------------------------------------------------

    def run(self, url: str) -> Outcome:
        resp = self._request("GET", url)
        seen: set[tuple[str, str]] = set()
        for _ in range(self.max_steps):
            # Redirects: capture the one to the client, follow the rest.
            if resp.is_redirect or resp.status_code in (301, 302, 303, 307, 308):
                loc = resp.headers.get("Location")
                if not loc:
                    raise SignInError(f"{resp.status_code} without Location at {resp.url}; trace: {self.trace}")
                target = urljoin(resp.url, loc)
                if self._is_client_redirect(target):
                    self.trace.append(f"captured redirect {target}")
                    return Outcome(target, resp.url, resp.status_code, "", self.trace)
                resp = self._request("GET", target)
                continue
            text = resp.text
            forms, visible = parse_forms(text)
            self._save(resp, text)
            if resp.status_code >= 400:
                raise SignInError(
                    f"HTTP {resp.status_code} at {resp.method_url}: {visible[:400]!r}; trace: {self.trace}")
            form = self._choose_form(forms)
            signature = (resp.url, visible)
            if form is None or signature in seen:
                # Nothing to submit, or the same page again: this is where the walk ends.
                return Outcome(None, resp.url, resp.status_code, visible, self.trace)
            seen.add(signature)
            resp = self._submit(resp.url, form)
        raise SignInError(f"gave up after {self.max_steps} pages; trace: {self.trace}")

    # -- helpers --------------------------------------------------------------------------

    def _is_client_redirect(self, target: str) -> bool:
        if self.redirect_prefix is None:
            return False
        t, p = urlsplit(target), urlsplit(self.redirect_prefix)
        return (t.scheme, t.netloc.lower()) == (p.scheme, p.netloc.lower()) and (
            t.path.rstrip("/") == p.path.rstrip("/"))

    def _request(self, method: str, url: str, data=None) -> requests.Response:
        resp = self.s.request(method, url, data=data, allow_redirects=False, timeout=20)
        resp.method_url = f"{method} {url}"  # type: ignore[attr-defined]
        self.trace.append(f"{method} {_short(url)} -> {resp.status_code}")
        return resp

    def _save(self, resp: requests.Response, text: str) -> None:
        try:
            self.pages_dir.mkdir(parents=True, exist_ok=True)
            self._page_no += 1
            slug = re.sub(r"[^A-Za-z0-9]+", "_", urlsplit(resp.url).path).strip("_")[:60]
            (self.pages_dir / f"{self._page_no:02d}-{slug or 'root'}.html").write_text(text)
        except OSError:
            pass

    def _fillable(self, c: Control) -> str | None:
        """What we would put in this control: 'user', 'password', 'code' or None."""
        if c.tag not in ("input", "textarea") or c.type in ("hidden", "submit", "button", "image",
                                                            "checkbox", "radio", "reset", "file"):
            return None
        label = c.label()
        if c.type == "password" or PASSWORD_FIELD.search(c.name or ""):
            return "password"
        if CODE_FIELD.search(c.name) or CODE_FIELD.search(c.attrs.get("id", "")):
            return "code"
        if c.type == "email" or USER_FIELD.search(c.name) or USER_FIELD.search(label):
            return "user"
        if self.creds.user_code and re.search(r"code", label, re.I):
            return "code"
        return None

    def _choose_form(self, forms: list[Form]) -> Form | None:
        best, best_score = None, 0
        for f in forms:
            kinds = {self._fillable(c) for c in f.controls} - {None}
            submits = [c for c in f.controls if c.type in ("submit", "image")]
            score = 0
            if "password" in kinds:
                score += 30
            if "user" in kinds:
                score += 20
            if "code" in kinds and self.creds.user_code:
                score += 25
            if submits and any(POSITIVE.search(s.label()) for s in submits):
                score += 10
            elif submits or f.method == "POST":
                score += 5
            action = f.attrs.get("action", "")
            if NEGATIVE.search(action):
                score -= 20
            if score > best_score:
                best, best_score = f, score
        return best

    def _submit(self, page_url: str, form: Form) -> requests.Response:
        data: list[tuple[str, str]] = []
        submits = [c for c in form.controls if c.type in ("submit", "image") and c.name]
        chosen = None
        if submits:
            ranked = sorted(submits, key=lambda c: (bool(NEGATIVE.search(c.label())),
                                                    not POSITIVE.search(c.label())))
            chosen = ranked[0]
        filled = []
        for c in form.controls:
            if not c.name or "disabled" in c.attrs:
                continue
            kind = self._fillable(c)
            if c.type in ("submit", "image", "button", "reset"):
                if c is chosen:
                    data.append((c.name, c.attrs.get("value", c.text.strip())))
                continue
            if c.type in ("checkbox", "radio"):
                if "checked" in c.attrs:
                    data.append((c.name, c.attrs.get("value", "on")))
                continue
            if c.tag == "select":
                opts = [v for v, sel in c.options if sel] or [v for v, _ in c.options[:1]]
                data.extend((c.name, v) for v in opts)
                continue
            value = c.attrs.get("value", "") if c.tag == "input" else html.unescape(c.text)
            if kind == "user" and (not value or c.type != "hidden"):
                value = self.creds.username
                filled.append("user")
            elif kind == "password":
                value = self.creds.password
                filled.append("password")
            elif kind == "code" and self.creds.user_code:
                value = self.creds.user_code
                filled.append("code")
            data.append((c.name, value))
        action = urljoin(page_url, (chosen.attrs.get("formaction") if chosen else None)
                         or form.attrs.get("action") or page_url)
        method = ((chosen.attrs.get("formmethod") if chosen else None) or form.method).upper()
        self.trace.append(f"submit {method} {_short(action)} fields={[k for k, _ in data]} filled={filled}")
        if method == "GET":
            return self._request("GET", action + ("&" if "?" in action else "?")
                                 + "&".join(f"{requests.utils.quote(k)}={requests.utils.quote(v)}"
                                            for k, v in data))
        return self._request("POST", action, data=data)


def _short(url: str) -> str:
    return url if len(url) < 160 else url[:157] + "..."
