"""The key store on the shared database (service/db/): the same behaviour on SQLite and on
PostgreSQL (a throwaway cluster, tests/postgres.py), quotas that hold across processes
charging at once, files of earlier releases upgraded with nothing lost, and `ringkas keys`
on a database URL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from service.api import create_app
from service.api.runtime import services_of
from service.auth.store import COMPONENT, MIGRATIONS, KeyStore, KeyStoreError, hash_key
from service.auth.usage import current_period
from service.cli import main
from service.config import ConfigError, Settings
from service.db import Database, DatabaseError, database_url
from service.db.database import parse_url
from service.db.schema import version
from service.engine import Engine
from service.errors import DatabaseUnavailable, QuotaExceeded
from tests.conftest import own_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture()
def databases(db_url: str) -> Iterator[Callable[[], Database]]:
    """Databases on ``db_url``, each with its own pool as a replica has; closed after."""
    made: list[Database] = []

    def make() -> Database:
        made.append(Database(db_url))
        return made[-1]

    yield make
    for db in made:
        db.dispose()


@pytest.fixture()
def store(databases: Callable[[], Database]) -> KeyStore:
    return KeyStore(databases())


# --- the same store on both -------------------------------------------------------------------


def test_keys_are_added_found_and_revoked(store: KeyStore) -> None:
    key_id, plaintext = store.add("  cms  ", rate_limit="5/minute", char_limit=1000)
    other_id, _ = store.add("batch")
    record = store.verify(plaintext)
    assert record is not None and (record.id, record.name, record.rate_limit,
                                   record.char_limit) == (key_id, "cms", "5/minute", 1000)
    assert store.verify(plaintext + "x") is None and store.verify("nope") is None
    assert [r.id for r in store.list()] == [key_id, other_id]
    assert store.get(record.prefix).id == key_id == store.get(str(key_id)).id
    assert store.get(record.prefix[:6]).id == key_id or record.prefix[:6] == \
        store.get(other_id).prefix[:6]
    with store.db.write() as conn:  # two keys whose prefixes start alike
        conn.execute(sa.text("UPDATE api_keys SET prefix = 'rk_same' || id"))
    with pytest.raises(KeyStoreError, match="matches 2 keys; use the id"):
        store.get("rk_same")
    assert store.get(f"rk_same{key_id}").id == key_id
    revoked = store.revoke(key_id)
    assert revoked.revoked and store.revoke(key_id).revoked_at == revoked.revoked_at
    with pytest.raises(KeyStoreError) as unknown:
        store.get(999)
    assert unknown.value.code == "unknown_key"
    with store.db.read() as conn:
        hashes = conn.execute(sa.text("SELECT hash FROM api_keys")).scalars().all()
    assert hash_key(plaintext) in hashes and plaintext not in hashes


def test_quota_charges_refunds_and_months(store: KeyStore) -> None:
    key_id, _ = store.add("cms", char_limit=100)
    period = store.charge(key_id, 70)
    assert period == current_period()
    with pytest.raises(QuotaExceeded) as spent:
        store.charge(key_id, 31)
    assert spent.value.details == {"limit": 100, "used": 70}
    assert store.usage(key_id).characters == 70  # a refused charge counts nothing
    store.refund(key_id, 20, period)
    store.refund(key_id, 20, "1999-01")  # another month's refund touches nothing
    store.refund(key_id, 1000, "1999-01")
    assert store.usage(key_id).characters == 50
    store.refund(key_id, 500, period)  # never below zero
    assert store.usage(key_id).characters == 0
    store.charge(key_id, 100)  # exactly the quota fits
    with store.db.write() as conn:  # as if a month had passed: this month starts at 0
        conn.execute(sa.text("UPDATE key_usage SET period = '1999-01' WHERE key_id = :k"),
                     {"k": key_id})
    assert store.usage(key_id).characters == 0
    store.charge(key_id, 100)
    assert store.usage(key_id).characters == 100
    with store.db.read() as conn:  # the past month is still there
        months = conn.execute(sa.text("SELECT period, characters FROM key_usage "
                                      "ORDER BY period")).all()
    assert [tuple(m) for m in months] == [("1999-01", 100), (period, 100)]
    store.set_char_limit(key_id, None)
    store.charge(key_id, 10_000_000_000)  # no quota; more than 32 bits count
    assert store.usage(key_id).characters == 10_000_000_100
    assert store.usage(key_id).limit is None


def test_a_charge_with_a_ref_is_given_back_once(store: KeyStore,
                                                databases: Callable[[], Database]) -> None:
    key_id, _ = store.add("documents", char_limit=100)
    store.charge(key_id, 30, ref="doc_a")
    store.charge(key_id, 20)
    assert store.refund_charge(key_id, "doc_a") is True
    assert store.refund_charge(key_id, "doc_a") is False
    assert KeyStore(databases()).refund_charge(key_id, "doc_a") is False  # another process
    assert store.refund_charge(key_id, "doc_never_charged") is False
    assert store.refund_charge(key_id + 1, "doc_a") is False
    assert store.usage(key_id).characters == 20


def test_refunds_asked_at_once_give_back_once(store: KeyStore,
                                              databases: Callable[[], Database]) -> None:
    key_id, _ = store.add("documents", char_limit=1000)
    store.charge(key_id, 300, ref="doc_a")
    store.charge(key_id, 200)
    replicas = [KeyStore(databases()) for _ in range(3)]
    start = threading.Barrier(12)

    def refund(i: int) -> bool:
        start.wait()
        return replicas[i % 3].refund_charge(key_id, "doc_a")

    with ThreadPoolExecutor(12) as pool:
        given = list(pool.map(refund, range(12)))
    assert given.count(True) == 1
    assert store.usage(key_id).characters == 200


def test_charges_at_once_never_pass_the_quota(store: KeyStore,
                                              databases: Callable[[], Database]) -> None:
    """30 charges of 100 characters at once, from three replicas (each its own engine and
    pool), against a quota of 1,000: exactly 10 are counted."""
    key_id, _ = store.add("busy", char_limit=1000)
    replicas = [KeyStore(databases()) for _ in range(3)]
    for replica in replicas:
        replica.open()
    start = threading.Barrier(30)

    def charge(i: int) -> bool:
        start.wait()
        try:
            replicas[i % 3].charge(key_id, 100, ref=f"doc_{i}")
        except QuotaExceeded:
            return False
        return True

    with ThreadPoolExecutor(30) as pool:
        counted = list(pool.map(charge, range(30)))
    assert counted.count(True) == 10
    usage = store.usage(key_id)
    assert (usage.characters, usage.limit) == (1000, 1000)
    with store.db.read() as conn:  # a refused charge left no record to give back
        records = conn.scalar(sa.text("SELECT count(*) FROM key_charges"))
    assert records == 10


def test_the_schema_is_versioned_and_a_newer_one_refused(databases: Callable[[], Database],
                                                         ) -> None:
    db = databases()
    assert KeyStore(db).open() is not None
    with db.read() as conn:
        assert version(conn, COMPONENT) == len(MIGRATIONS) == 2
    assert db.migrate(COMPONENT, MIGRATIONS) == 2  # again: nothing to do
    with db.write() as conn:
        conn.execute(sa.text("UPDATE schema_versions SET version = 9 WHERE component = 'keys'"))
    with pytest.raises(DatabaseError, match="version 9 of the keys tables, newer"):
        KeyStore(databases()).list()


def test_cli_keys_on_a_database_url(db_url: str) -> None:
    runner = CliRunner()
    env = {"RINGKAS_DATABASE_URL": db_url, "RINGKAS_KEYS_DB": "/nonexistent/keys.sqlite3"}
    added = runner.invoke(main, ["keys", "add", "cms", "--char-limit", "500"], env=env)
    assert added.exit_code == 0, added.output
    plaintext = added.stdout.strip()
    assert plaintext.startswith("rk_") and "password" not in added.stderr
    db = Database(db_url)
    try:
        store = KeyStore(db)
        record = store.verify(plaintext)
        assert record is not None and record.char_limit == 500
        store.charge(record.id, 123)
        listed = runner.invoke(main, ["keys", "list"], env=env)
        assert listed.exit_code == 0, listed.output
        assert "cms" in listed.output and "123 of 500" in listed.output
        # --db takes a URL too, over the environment's
        again = runner.invoke(main, ["keys", "list", "--db", db_url],
                              env={"RINGKAS_DATABASE_URL": "sqlite:////nonexistent/x.db"})
        assert again.exit_code == 0 and "123 of 500" in again.output
        revoked = runner.invoke(main, ["keys", "revoke", str(record.id)], env=env)
        assert revoked.exit_code == 0 and store.get(record.id).revoked
    finally:
        db.dispose()


# --- upgrading a key file of an earlier release -----------------------------------------------

# The key file as the stdlib store of earlier releases wrote it (version 0: no
# schema_versions table, one usage row a key).
V0_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    rate_limit  TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (prefix);
CREATE TABLE IF NOT EXISTS key_usage (
    key_id      INTEGER PRIMARY KEY,
    period      TEXT NOT NULL,
    characters  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS key_charges (
    ref         TEXT PRIMARY KEY,
    key_id      INTEGER NOT NULL,
    period      TEXT NOT NULL,
    characters  INTEGER NOT NULL,
    refunded    INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE api_keys ADD COLUMN char_limit INTEGER;
"""


def _v0_file(path: Path) -> dict[str, str]:
    """A v0 key file with three keys (one revoked, one with a quota half used, one key's
    id above a deleted row's), their usage and a charge not given back yet."""
    period = current_period()
    plain = {name: f"rk_{name}{'x' * 40}" for name in ("cms", "batch", "old")}
    with sqlite3.connect(path) as conn:
        conn.executescript(V0_SCHEMA)
        for name, limit, revoked in (("cms", 1000, None), ("batch", None, None),
                                     ("old", 50, "2024-02-01T00:00:00+00:00")):
            conn.execute("INSERT INTO api_keys (name, prefix, hash, created_at, revoked_at, "
                         "rate_limit, char_limit) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (name, plain[name][:11], hash_key(plain[name]),
                          "2024-01-01T00:00:00+00:00", revoked, "5/minute", limit))
        conn.execute("DELETE FROM api_keys WHERE name = 'batch'")  # its id is not reused
        conn.execute("INSERT INTO api_keys (name, prefix, hash, created_at) "
                     "VALUES ('batch', 'rk_batchxx', ?, '2024-01-02T00:00:00+00:00')",
                     (hash_key(plain["batch"]),))
        conn.executemany("INSERT INTO key_usage VALUES (?, ?, ?)",
                         [(1, period, 500), (3, "2024-02", 40), (4, period, 7)])
        conn.execute("INSERT INTO key_charges (ref, key_id, period, characters) "
                     "VALUES ('doc_a', 1, ?, 200)", (period,))
    return plain


def test_a_key_file_of_an_earlier_release_is_upgraded_with_nothing_lost(
        tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite3"
    plain = _v0_file(path)
    # The default database is that file: RINGKAS_KEYS_DB's, as before.
    settings = Settings.from_env({"RINGKAS_KEYS_DB": str(path)})
    assert database_url(settings) == f"sqlite:///{path}"
    db = Database.from_settings(settings)
    store = KeyStore(db)
    try:
        records = {r.name: r for r in store.list()}
        assert [(r.id, r.name) for r in store.list()] == [(1, "cms"), (3, "old"), (4, "batch")]
        cms, old, batch = records["cms"], records["old"], records["batch"]
        assert (cms.char_limit, cms.rate_limit, cms.revoked) == (1000, "5/minute", False)
        assert (old.char_limit, old.revoked_at) == (50, "2024-02-01T00:00:00+00:00")
        assert batch.char_limit is None
        for name, record in records.items():
            found = store.verify(plain[name])
            assert found is not None and found.id == record.id
        assert store.usage(1).characters == 500 and store.usage(4).characters == 7
        assert store.usage(3).characters == 0  # February 2024 is not this month
        with pytest.raises(QuotaExceeded):
            store.charge(1, 501)
        store.charge(1, 500)  # the quota's rest
        assert store.refund_charge(1, "doc_a") is True  # the charge made before the upgrade
        assert store.usage(1).characters == 800
        new_id, _ = store.add("new")
        assert new_id == 5  # after every id ever given, the deleted one's too
        with db.read() as conn:
            assert version(conn, COMPONENT) == 2
            kept = conn.execute(sa.text("SELECT key_id, period, characters FROM key_usage "
                                        "ORDER BY key_id")).all()
        assert [tuple(r) for r in kept] == [(1, current_period(), 800), (3, "2024-02", 40),
                                           (4, current_period(), 7)]
    finally:
        db.dispose()
    again = KeyStore(path)  # opening it again changes nothing
    assert [r.name for r in again.list()] == ["cms", "old", "batch", "new"]
    again.db.dispose()


def test_two_processes_upgrading_at_once_upgrade_once(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite3"
    _v0_file(path)
    dbs = [Database(f"sqlite:///{path}") for _ in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(lambda db: KeyStore(db).open() and 1, dbs)) == [1] * 4
        assert KeyStore(dbs[0]).usage(1).characters == 500
    finally:
        for db in dbs:
            db.dispose()


# --- URLs, and a database that goes away ------------------------------------------------------


def test_database_urls() -> None:
    assert parse_url("postgresql://u:secret@db:5432/ringkas").drivername == "postgresql+psycopg"
    assert parse_url("postgres://u@db/ringkas").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:///~/x.sqlite3").database.startswith("/")  # type: ignore[union-attr]
    for bad in ("sqlite://", "sqlite:///:memory:", "mysql://u@h/db", "nonsense",
                "postgresql+psycopg2://u@h/db"):
        with pytest.raises(ConfigError) as refused:
            parse_url(bad)
        assert refused.value.code == "invalid_database_url"
    with pytest.raises(ConfigError) as refused:
        parse_url("mysql://u:secret@h/db")
    assert "secret" not in refused.value.message
    db = Database("postgresql://u:secret@127.0.0.1:1/ringkas")
    assert "secret" not in db.where and "secret" not in repr(db)
    with pytest.raises(DatabaseUnavailable) as down:  # nothing listens on port 1
        db.ping()
    assert down.value.status == 503 and down.value.headers["Retry-After"] == "5"
    assert "secret" not in down.value.message
    db.dispose()


def test_ready_names_the_key_database(settings: Settings,
                                      engines: Mapping[str, Engine]) -> None:
    keyed = create_app(settings.changed(require_api_keys=True), engines=engines)
    assert keyed.test_client().get("/v1/ready").get_json()["database"] == "sqlite"
    # With keys off the service keeps nothing in it yet: ready does not ask it.
    open_app = create_app(settings, engines=engines)
    assert "database" not in open_app.test_client().get("/v1/ready").get_json()


def test_a_database_down_is_503_until_it_is_back(settings: Settings,
                                                 engines: Mapping[str, Engine]) -> None:
    """The service's key checks on a PostgreSQL that stops and starts again: 503 with
    Retry-After meanwhile, and the same app answers again once it is back."""
    with own_postgres() as cluster:
        store = KeyStore(Database(cluster.url()))
        key_id, plaintext = store.add("cms", char_limit=100)
        app = create_app(settings.changed(require_api_keys=True, database_url=cluster.url()),
                         engines=engines)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {plaintext}"}
        assert client.get("/v1/models", headers=auth).status_code == 200
        ready = client.get("/v1/ready").get_json()
        assert (ready["status"], ready["database"]) == ("ready", "postgresql")
        cluster.stop()
        for path, headers in (("/v1/models", auth), ("/v1/ready", {})):
            down = client.get(path, headers=headers)
            assert down.status_code == 503, down.get_json()
            assert down.headers["Retry-After"] == "5"
            assert down.get_json()["error"]["code"] == "database_unavailable"
        assert client.get("/v1/health").status_code == 200
        with pytest.raises(DatabaseUnavailable) as raised:
            store.charge(key_id, 10)
        assert raised.value.headers == {"Retry-After": "5"}
        cluster.start()
        # the pools' dead connections are replaced: no restart
        assert client.get("/v1/models", headers=auth).status_code == 200
        assert client.get("/v1/ready").status_code == 200
        store.charge(key_id, 10)
        assert store.usage(key_id).characters == 10
        store.db.dispose()
        services_of(app).keys.db.dispose()  # type: ignore[union-attr]


def test_cli_copies_a_key_file_into_postgresql(tmp_path: Path, pg_url: str) -> None:
    """An SQLite deployment moving to PostgreSQL keeps its keys, ids, quotas and usage."""
    path = tmp_path / "keys.sqlite3"
    plain = _v0_file(path)
    runner = CliRunner()
    env = {"RINGKAS_DATABASE_URL": pg_url}
    copied = runner.invoke(main, ["keys", "copy", str(path)], env=env)
    assert copied.exit_code == 0, copied.output
    assert "3 keys copied" in copied.output
    db = Database(pg_url)
    try:
        store = KeyStore(db)
        for name, plaintext in plain.items():
            found = store.verify(plaintext)
            assert found is not None and found.name == name
        assert [r.id for r in store.list()] == [1, 3, 4]
        assert store.usage(1).characters == 500 and store.get(1).char_limit == 1000
        assert store.refund_charge(1, "doc_a") is True
        assert store.add("next")[0] == 5  # after the copied ids
        again = runner.invoke(main, ["keys", "copy", str(path)], env=env)
        assert again.exit_code == 2 and "holds keys already" in again.output
        missing = runner.invoke(main, ["keys", "copy", str(tmp_path / "nope.sqlite3")],
                                env=env)
        assert missing.exit_code == 2 and not (tmp_path / "nope.sqlite3").exists()
    finally:
        db.dispose()
