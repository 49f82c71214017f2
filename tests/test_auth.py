"""API keys (optional, hashed in SQLite), `ringkas keys`, and per-key rate limits.

The app runs on the session's tiny models; requests that must succeed are short translations
or extractive summaries of two sentences, so no full abstractive summary runs here; most
requests are either refused before any inference (401/403/429) or cheap (/v1/models, or a
body that fails validation with 422: proof that the request got past auth).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.auth.store import KeyStore, hash_key
from service.cli import main
from service.config import ConfigError, Settings
from service.contract.routes import PUBLIC_PATHS
from service.engine import Engine

SHORT_ID = "Menteri itu meresmikan pabrik baru di Bogor. Pabrik itu mempekerjakan 200 orang."
Route = tuple[str, str, dict[str, Any] | None]
# Every non-public route, with a request that succeeds (quickly) once authorised...
ROUTES: list[Route] = [
    ("GET", "/v1/models", None),
    ("POST", "/v1/summarize", {"text": SHORT_ID, "length": 1, "strategy": "extractive"}),
    ("POST", "/v1/translate", {"text": "Pabrik.", "source": "id", "target": "en"}),
]
MODELS, _, TRANSLATE = ROUTES
# ...and one that runs no inference: 200 for /v1/models, 422 empty_text for the others.
CHEAP: dict[str, tuple[Route, int]] = {
    path: (((method, path, {"text": ""}), 422) if body else ((method, path, None), 200))
    for method, path, body in ROUTES}


def call(client: FlaskClient, route: Route, key: str | None = None, *, header: str = "bearer",
         addr: str | None = None) -> Any:
    method, path, body = route
    headers: dict[str, str] = {}
    if key is not None:
        headers = ({"Authorization": f"Bearer {key}"} if header == "bearer"
                   else {"X-API-Key": key})
    environ = {"REMOTE_ADDR": addr} if addr else {}
    return client.open(path, method=method, json=body, headers=headers, environ_base=environ)


def error_code(resp: Any) -> str:
    err = resp.get_json()["error"]
    assert {"code", "message", "request_id"} <= set(err), err
    code: str = err["code"]
    return code


@pytest.fixture()
def keys_db(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "keys.sqlite3"


@pytest.fixture()
def store(keys_db: Path) -> KeyStore:
    return KeyStore(keys_db)


@pytest.fixture()
def make_client(settings: Settings, engines: Mapping[str, Engine], keys_db: Path,
                ) -> Callable[..., FlaskClient]:
    def make(**changes: Any) -> FlaskClient:
        app: Flask = create_app(settings.changed(keys_db=str(keys_db), **changes),
                                engines=engines)
        return app.test_client()

    return make


@pytest.fixture()
def keyed(make_client: Callable[..., FlaskClient]) -> FlaskClient:
    """Keys required, no rate limit (the auth cases alone)."""
    return make_client(require_api_keys=True, rate_limit="")


# --- keys off (the default) ------------------------------------------------------------


def test_keys_off_by_default(settings: Settings, engines: Mapping[str, Engine]) -> None:
    assert Settings().auth.require_api_keys is False
    assert Settings.from_env(env={}).auth.require_api_keys is False
    client = create_app(settings, engines=engines).test_client()
    resp = call(client, TRANSLATE)
    assert resp.status_code == 200, resp.get_json()
    for route, status in CHEAP.values():
        assert call(client, route).status_code == status
    # A key sent anyway is ignored, not checked.
    assert call(client, MODELS, "rk_not-a-key").status_code == 200


def test_settings_from_env_and_config(tmp_path: Path) -> None:
    env = {"RINGKAS_REQUIRE_API_KEYS": "1", "RINGKAS_KEYS_DB": "/x/k.db",
           "RINGKAS_RATE_LIMIT": "5/second", "RINGKAS_RATE_LIMIT_STORAGE": "memory://"}
    s = Settings.from_env(env=env)
    auth = s.auth
    assert (auth.require_api_keys, auth.keys_db, auth.rate_limit) == (True, "/x/k.db", "5/second")
    cfg = tmp_path / "ringkas.toml"
    cfg.write_text('require_api_keys = true\nrate_limit = "off"\nkeys_db = "/y/k.db"\n')
    s = Settings.from_env(env={}, config_file=cfg)
    assert (s.auth.require_api_keys, s.auth.keys_db, s.auth.rate_limit) == (True, "/y/k.db", "off")


def test_bad_rate_limit_is_a_config_error(make_client: Callable[..., FlaskClient]) -> None:
    with pytest.raises(ConfigError, match="not a rate limit"):
        make_client(rate_limit="lots")


# --- keys on: the auth cases -----------------------------------------------------------


def test_health_and_ready_need_no_key(keyed: FlaskClient) -> None:
    assert {"/v1/health", "/v1/ready"} <= PUBLIC_PATHS
    for path in ("/v1/health", "/v1/ready"):
        assert keyed.get(path).status_code == 200


@pytest.mark.parametrize("route", ROUTES, ids=[r[1] for r in ROUTES])
def test_every_other_route_needs_a_valid_key(keyed: FlaskClient, store: KeyStore,
                                             route: Route) -> None:
    resp = call(keyed, route)
    assert resp.status_code == 401 and error_code(resp) == "missing_api_key"
    assert resp.headers["WWW-Authenticate"] == "Bearer"

    resp = call(keyed, route, "rk_" + "x" * 43)
    assert resp.status_code == 401 and error_code(resp) == "invalid_api_key"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert call(keyed, route, "not-even-our-scheme", header="x-api-key").status_code == 401

    key_id, key = store.add("newsroom-cms")
    resp = call(keyed, route, key, header="bearer")
    assert resp.status_code == 200, resp.get_json()
    cheap, status = CHEAP[route[1]]
    for header in ("bearer", "x-api-key"):
        resp = call(keyed, cheap, key, header=header)
        assert resp.status_code == status, (header, resp.get_json())

    store.revoke(key_id)
    for header in ("bearer", "x-api-key"):
        resp = call(keyed, route, key, header=header)
        assert resp.status_code == 403 and error_code(resp) == "api_key_revoked"
        # Nothing about the key beyond the refusal: not its prefix, not when it was revoked.
        record = next(k for k in store.list() if k.id == key_id)
        answer = resp.get_data(as_text=True)
        assert record.prefix not in answer and str(record.revoked_at) not in answer


def test_every_credential_presented_must_be_the_same_valid_key(keyed: FlaskClient,
                                                                store: KeyStore) -> None:
    """One rule: a credential sent is judged, whatever its scheme and whatever else is sent."""
    _, key = store.add("x")
    _, other = store.add("y")
    refused = [
        {"Authorization": f"Basic {key}"},  # a scheme no key travels in
        {"Authorization": "Basic dXNlcjpwYXNz", "X-API-Key": key},  # beside a valid key
        {"Authorization": "Bearer wrong", "X-API-Key": key},
        {"Authorization": f"Bearer {key}", "X-API-Key": other},  # two keys, both valid
        {"Authorization": "DeepL-Auth-Key wrong", "X-API-Key": key},
        {"Authorization": f"DeepL-Auth-Key {other}", "X-API-Key": key},
        {"Authorization": "DeepL-Auth-Key", "X-API-Key": key},  # the scheme without a key
    ]
    for headers in refused:
        resp = keyed.get("/v1/models", headers=headers)
        assert resp.status_code == 401 and error_code(resp) == "invalid_api_key", headers
    for headers in ({"Authorization": f"bearer  {key} "}, {"X-API-Key": key},
                    {"Authorization": f"Bearer {key}", "X-API-Key": key},
                    # DeepL's clients send their key so
                    {"Authorization": f"DeepL-Auth-Key {key}"},
                    {"Authorization": f"DeepL-Auth-Key {key}", "X-API-Key": key}):
        assert keyed.get("/v1/models", headers=headers).status_code == 200, headers


def test_access_log_names_the_key_id_never_the_key(keyed: FlaskClient, store: KeyStore,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    key_id, key = store.add("logged")
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    assert call(keyed, MODELS, key).status_code == 200
    assert call(keyed, MODELS).status_code == 401
    access = [r.getMessage() for r in caplog.records if r.name == "service.access"]
    assert any(f"key={key_id} " in line and "status=200" in line for line in access), access
    assert any("key=- " in line and "status=401" in line for line in access), access
    assert key not in caplog.text and hash_key(key) not in caplog.text


# --- the store -------------------------------------------------------------------------


def test_store_keeps_only_a_hash(store: KeyStore, keys_db: Path) -> None:
    plaintexts = [store.add(f"client-{i}")[1] for i in range(3)]
    stored = b"".join(p.read_bytes() for p in keys_db.parent.glob(keys_db.name + "*"))
    for key in plaintexts:
        assert key.startswith("rk_") and len(key) >= 40
        assert key.encode() not in stored
        assert key[len("rk_") + 8:].encode() not in stored  # not even the secret part
        assert hash_key(key).encode() in stored
    with sqlite3.connect(keys_db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        cols = [r[1] for r in conn.execute("PRAGMA table_info(api_keys)")]
    assert cols == ["id", "name", "prefix", "hash", "created_at", "revoked_at", "rate_limit",
                    "char_limit"]


def test_store_verify_list_revoke(store: KeyStore) -> None:
    a_id, a = store.add("a", rate_limit="5/minute")
    b_id, b = store.add("b")
    assert a != b
    rec = store.verify(a)
    assert rec is not None and (rec.id, rec.name, rec.rate_limit) == (a_id, "a", "5/minute")
    assert rec.prefix == a[:11] and not rec.revoked
    assert store.verify(a + "x") is None and store.verify("") is None
    assert [r.id for r in store.list()] == [a_id, b_id]
    revoked = store.revoke(b[:11])  # by prefix
    assert revoked.id == b_id and revoked.revoked
    again = store.revoke(str(b_id))  # idempotent, by id
    assert again.revoked_at == revoked.revoked_at
    verified = store.verify(b)
    assert verified is not None and verified.revoked


# --- the CLI ---------------------------------------------------------------------------


def test_cli_add_list_revoke(keys_db: Path) -> None:
    runner = CliRunner()
    env = {"RINGKAS_KEYS_DB": str(keys_db)}
    added = runner.invoke(main, ["keys", "add", "cms", "--rate-limit", "30/minute"], env=env)
    assert added.exit_code == 0, added.output
    key = added.stdout.strip()
    assert key.startswith("rk_") and "\n" not in key
    assert "only this once" in added.stderr

    store = KeyStore(keys_db)
    rec = store.verify(key)
    assert rec is not None and rec.name == "cms" and rec.rate_limit == "30/minute"

    other = runner.invoke(main, ["keys", "--help"])
    assert other.exit_code == 0 and "revoke" in other.output

    listed = runner.invoke(main, ["keys", "list", "--db", str(keys_db)])
    assert listed.exit_code == 0, listed.output
    assert "cms" in listed.output and rec.prefix in listed.output
    assert "30/minute" in listed.output
    assert key not in listed.output and hash_key(key) not in listed.output

    revoked = runner.invoke(main, ["keys", "revoke", rec.prefix], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in revoked.output
    after = store.verify(key)
    assert after is not None and after.revoked
    listed = runner.invoke(main, ["keys", "list"], env=env)
    assert after.revoked_at is not None and after.revoked_at in listed.output
    assert key not in listed.output and hash_key(key) not in listed.output


def test_cli_errors_are_friendly(keys_db: Path) -> None:
    runner = CliRunner()
    env = {"RINGKAS_KEYS_DB": str(keys_db)}
    bad = runner.invoke(main, ["keys", "add", "x", "--rate-limit", "many"], env=env)
    assert bad.exit_code == 2 and "not a rate limit" in bad.stderr
    missing = runner.invoke(main, ["keys", "revoke", "42"], env=env)
    assert missing.exit_code == 2 and "no API key" in missing.stderr
    assert missing.exception is None or isinstance(missing.exception, SystemExit)
    empty = runner.invoke(main, ["keys", "list"], env=env)
    assert empty.exit_code == 0 and "no API keys" in empty.output


# --- rate limits -----------------------------------------------------------------------


def test_rate_limit_per_key(make_client: Callable[..., FlaskClient], store: KeyStore) -> None:
    client = make_client(require_api_keys=True, rate_limit="3/minute")
    _, first = store.add("first")
    _, second = store.add("second")
    # One budget across routes (a 422 counts too); the 4th request is refused.
    for route, status in (CHEAP["/v1/models"], CHEAP["/v1/translate"], CHEAP["/v1/summarize"]):
        assert call(client, route, first).status_code == status
    resp = call(client, TRANSLATE, first)
    assert resp.status_code == 429 and error_code(resp) == "rate_limited"
    retry_after = int(resp.headers["Retry-After"])
    assert 1 <= retry_after <= 61  # the window (a minute), rounded up
    assert resp.get_json()["error"]["details"]["retry_after_s"] == retry_after
    # Another key has its own budget; health and ready are never limited.
    assert call(client, MODELS, second).status_code == 200
    for _ in range(5):
        assert client.get("/v1/health").status_code == 200
        assert client.get("/v1/ready").status_code == 200


def test_rate_limit_per_key_override(make_client: Callable[..., FlaskClient],
                                     store: KeyStore) -> None:
    client = make_client(require_api_keys=True, rate_limit="3/minute")
    _, tight = store.add("tight", rate_limit="1/minute")
    _, loose = store.add("loose", rate_limit="6/minute")
    assert call(client, MODELS, tight).status_code == 200
    assert call(client, MODELS, tight).status_code == 429
    assert [call(client, MODELS, loose).status_code for _ in range(7)] == [200] * 6 + [429]


def test_per_key_limit_applies_with_default_off(make_client: Callable[..., FlaskClient],
                                                store: KeyStore) -> None:
    client = make_client(require_api_keys=True, rate_limit="off")
    _, limited = store.add("limited", rate_limit="2/minute")
    _, free = store.add("free")
    assert [call(client, MODELS, limited).status_code for _ in range(3)] == [200, 200, 429]
    assert all(call(client, MODELS, free).status_code == 200 for _ in range(10))


def test_rate_limit_per_address_with_keys_off(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client(rate_limit="3/minute")
    codes = [call(client, MODELS, addr="10.0.0.1").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    resp = call(client, TRANSLATE, addr="10.0.0.1")
    assert resp.status_code == 429 and error_code(resp) == "rate_limited"
    assert int(resp.headers["Retry-After"]) >= 1
    assert call(client, MODELS, addr="10.0.0.2").status_code == 200


def test_rate_limit_off(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client(rate_limit="")
    assert all(call(client, MODELS).status_code == 200 for _ in range(20))


def test_a_body_key_must_agree_with_the_header_key(keyed: FlaskClient, store: KeyStore) -> None:
    _, key = store.add("x")
    _, other = store.add("y")
    body = {"q": "Kucing itu tidur.", "source": "id", "target": "en"}
    # LibreTranslate answers a bad key with 403
    resp = keyed.post("/translate", json={**body, "api_key": other}, headers={"X-API-Key": key})
    assert resp.status_code == 403 and resp.get_json()["code"] == "invalid_api_key"
    resp = keyed.post("/translate", json={**body, "api_key": key}, headers={"X-API-Key": key})
    assert resp.status_code == 200
