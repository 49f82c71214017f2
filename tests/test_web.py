"""The web page's server side (static assets, headers, public paths), the full translation
/v1/summarize returns on request, and trusting a reverse proxy's forwarded address.
The page itself runs in a real browser in test_browser.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.api import create_app
from service.api.web import WEB_DIR
from service.auth.store import KeyStore
from service.config import Settings
from service.engine import Engine

SHORT_ID = "Menteri itu meresmikan pabrik baru di Bogor. Pabrik itu mempekerjakan 200 orang."


@pytest.fixture()
def client(settings: Settings, engines: Mapping[str, Engine]) -> FlaskClient:
    return create_app(settings, engines=engines).test_client()


class _Refs(HTMLParser):
    """Every src/href, inline script and style attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.inline_scripts = 0
        self.style_attrs = 0
        self.labels: set[str] = set()
        self.controls: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.refs += [v for k, v in attrs if k in {"src", "href"} and v]
        if tag == "script" and not a.get("src"):
            self.inline_scripts += 1
        self.style_attrs += "style" in a or any(k.startswith("on") for k in a)
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in {"input", "textarea", "select"} and a.get("type") not in {"radio", "checkbox"}:
            self.controls.append((tag, a.get("id")))


def test_page_and_assets(client: FlaskClient) -> None:
    resp = client.get("/")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    page = _Refs()
    page.feed(resp.get_data(as_text=True))
    # Everything the page loads is served here (offline: no CDN), from the public prefix.
    assert page.refs and all(r.startswith("/web/") for r in page.refs), page.refs
    for ref in page.refs:
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.headers["Content-Security-Policy"] == csp
    # The CSP forbids inline code: none may be needed.
    assert page.inline_scripts == 0 and page.style_attrs == 0
    # Every text control has a label.
    assert all(cid in page.labels for _, cid in page.controls), page.controls
    assert client.get("/web/app.js").mimetype in {"text/javascript", "application/javascript"}
    assert client.get("/web/nope.js").status_code == 404


def test_page_script_never_writes_markup() -> None:
    """Server and user strings reach the page as text only (test_browser.py checks it live)."""
    source = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(",
                         source)


def test_package_data_lists_the_web_assets() -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["service"]
    shipped = {p for pattern in patterns for p in (WEB_DIR.parent).glob(pattern)}
    assert {p.name for p in shipped if p.parent == WEB_DIR} == {p.name for p in
                                                                WEB_DIR.iterdir()}
    published = WEB_DIR.parent / "published"
    assert {p for p in shipped if published in p.parents} == {
        p for p in published.rglob("*") if p.suffix in (".json", ".md")}


def test_page_is_public_when_keys_are_required(settings: Settings,
                                               engines: Mapping[str, Engine],
                                               tmp_path: Path) -> None:
    db = tmp_path / "keys.sqlite3"
    _, key = KeyStore(db).add("x")
    client = create_app(settings.changed(require_api_keys=True, keys_db=str(db),
                                            rate_limit="1/minute"), engines=engines).test_client()
    for _ in range(3):  # public: neither a key nor the rate limit applies
        for path in ("/", "/web/app.js", "/web/style.css"):
            assert client.get(path).status_code == 200, path
    assert client.get("/v1/models").status_code == 401
    # A path that only starts like an asset is no way around the key.
    for path in ("/web/../v1/models", "/web/%2e%2e/v1/models", "/webx"):
        assert client.get(path).status_code in {401, 404}, path
    assert client.get("/v1/models", headers={"X-API-Key": key}).status_code == 200


def test_summary_with_full_translation(client: FlaskClient) -> None:
    plain = client.post("/v1/summarize", json={"text": SHORT_ID, "length": 1})
    assert plain.status_code == 200 and "translation" not in plain.get_json()

    resp = client.post("/v1/summarize", json={"text": SHORT_ID, "length": 1,
                                               "translation": True})
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert isinstance(body["translation"], str) and body["translation"].strip()
    # translate-summarise translates the article anyway: the same text, no second pass.
    assert "translate_full" not in body["timings_ms"]

    resp = client.post("/v1/summarize", json={"text": SHORT_ID, "length": 1,
                                               "strategy": "extractive", "translation": True})
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert body["translation"].strip() and "translate_full" in body["timings_ms"]
    assert [m["role"] for m in body["models"]] == ["translate_id_en"]

    resp = client.post("/v1/summarize", json={"text": SHORT_ID, "translation": "yes"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "invalid_type"


@pytest.mark.parametrize("trusted", [0, 1])
def test_forwarded_address_only_from_trusted_proxies(settings: Settings,
                                                     engines: Mapping[str, Engine],
                                                     trusted: int) -> None:
    app = create_app(settings.changed(rate_limit="1/minute",
                                         trusted_proxies=trusted), engines=engines)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def get(client_addr: str) -> int:
        return client.get("/v1/models", headers={"X-Forwarded-For": client_addr},
                          environ_base=proxy).status_code

    assert get("203.0.113.7") == 200
    # Behind a trusted proxy each client has its own budget; otherwise the header is ignored
    # (a client could otherwise dodge its limit by inventing addresses).
    assert get("198.51.100.9") == (200 if trusted else 429)
    assert get("203.0.113.7") == 429


def test_trusted_proxies_from_env() -> None:
    assert Settings.from_env(env={}).server.trusted_proxies == 0
    assert Settings.from_env(env={"RINGKAS_TRUSTED_PROXIES": "2"}).server.trusted_proxies == 2
