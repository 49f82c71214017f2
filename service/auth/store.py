"""API keys and their character quotas in the database (service/db/), stored hashed.

A key is ``rk_`` + 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits). With
that much entropy a plain SHA-256 is the right hash (a slow password hash buys nothing against
brute force of a random 256-bit secret and would cost every request); the table keeps only
that hash and a short, non-secret prefix for people to tell keys apart. The plaintext is
returned once, by :meth:`KeyStore.add`, and never stored or logged.

A key may carry a monthly character quota (``char_limit``): the characters it had
translated (by the DeepL-compatible /v2/translate) are counted per calendar month (UTC) in
``key_usage``, one row a key and month, and a request that would pass the quota is refused
(:class:`QuotaExceeded`). The check and the count are one conditional ``UPDATE …
RETURNING`` in the database, so processes sharing it (replicas on one PostgreSQL, or
processes on one SQLite file) never count a key past its quota together.

The database is SQLite (one file) or PostgreSQL; a store opened on a file the stdlib store
of earlier releases wrote upgrades it in place (:data:`MIGRATIONS`). Every call takes a
pooled connection of its own, so one store is safe to share between server threads.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from service.auth.usage import CharUsage, current_period
from service.db.database import POSTGRESQL, Database, sqlite_url
from service.errors import DatabaseUnavailable, QuotaExceeded, RingkasError

log = logging.getLogger(__name__)

KEY_SCHEME = "rk_"
PREFIX_CHARS = len(KEY_SCHEME) + 8  # "rk_" and 8 random characters (48 bits): display only
COMPONENT = "keys"  # the tables' row in schema_versions

# The tables as they are now (the migrations below make them so): for queries.
metadata = sa.MetaData()
api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
    sa.Column("rate_limit", sa.Text),
    sa.Column("char_limit", sa.BigInteger),  # characters a month; NULL: no quota
)
key_usage = sa.Table(
    "key_usage", metadata,
    sa.Column("key_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("period", sa.Text, primary_key=True),  # YYYY-MM (UTC)
    sa.Column("characters", sa.BigInteger, nullable=False),
)
# A charge that may have to be given back later, by whichever process finds its work
# failed (a document's): written in the transaction that counts it, marked refunded in the
# one that gives it back, so that it is given back at most once.
key_charges = sa.Table(
    "key_charges", metadata,
    sa.Column("ref", sa.Text, primary_key=True),
    sa.Column("key_id", sa.Integer, nullable=False),
    sa.Column("period", sa.Text, nullable=False),
    sa.Column("characters", sa.BigInteger, nullable=False),
    sa.Column("refunded", sa.Integer, nullable=False, server_default="0"),
)
_COLUMNS = [api_keys.c[name] for name in (  # never the hash
    "id", "name", "prefix", "created_at", "revoked_at", "rate_limit", "char_limit")]


def _v1_tables(conn: Connection) -> None:
    """Version 1: the tables the stdlib store of earlier releases made (one usage row a
    key, holding its latest month), left as they are where they exist; a file from before
    quotas gets its ``char_limit`` column."""
    md = sa.MetaData()
    tables = [
        sa.Table("api_keys", md,
                 sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("name", sa.Text, nullable=False),
                 sa.Column("prefix", sa.Text, nullable=False, index=True),
                 sa.Column("hash", sa.Text, nullable=False, unique=True),
                 sa.Column("created_at", sa.Text, nullable=False),
                 sa.Column("revoked_at", sa.Text),
                 sa.Column("rate_limit", sa.Text),
                 sa.Column("char_limit", sa.BigInteger),
                 sqlite_autoincrement=True),  # an id is never given twice
        sa.Table("key_usage", md,
                 sa.Column("key_id", sa.Integer, primary_key=True, autoincrement=False),
                 sa.Column("period", sa.Text, nullable=False),
                 sa.Column("characters", sa.BigInteger, nullable=False)),
        sa.Table("key_charges", md,
                 sa.Column("ref", sa.Text, primary_key=True),
                 sa.Column("key_id", sa.Integer, nullable=False),
                 sa.Column("period", sa.Text, nullable=False),
                 sa.Column("characters", sa.BigInteger, nullable=False),
                 sa.Column("refunded", sa.Integer, nullable=False, server_default="0")),
    ]
    for table in tables:
        table.create(conn, checkfirst=True)
    have = {c["name"] for c in sa.inspect(conn).get_columns("api_keys")}
    if "char_limit" not in have:
        conn.execute(sa.text("ALTER TABLE api_keys ADD COLUMN char_limit BIGINT"))


def _v2_usage_by_month(conn: Connection) -> None:
    """Version 2: usage kept a row a key and month (key_id, period), so that a month's
    count is a row of its own that one conditional UPDATE raises, and past months stay."""
    if conn.dialect.name == POSTGRESQL:
        conn.execute(sa.text("ALTER TABLE key_usage DROP CONSTRAINT key_usage_pkey, "
                             "ADD PRIMARY KEY (key_id, period)"))
        return
    for statement in (  # SQLite changes a primary key by copying the table
            "CREATE TABLE key_usage_v2 (key_id INTEGER NOT NULL, period TEXT NOT NULL, "
            "characters BIGINT NOT NULL, PRIMARY KEY (key_id, period))",
            "INSERT INTO key_usage_v2 (key_id, period, characters) "
            "SELECT key_id, period, characters FROM key_usage",
            "DROP TABLE key_usage",
            "ALTER TABLE key_usage_v2 RENAME TO key_usage"):
        conn.execute(sa.text(statement))


# The keys' schema, step by step (service/db/schema.py): never changed, only added to.
MIGRATIONS = (_v1_tables, _v2_usage_by_month)


class KeyStoreError(RingkasError):
    default_code = "key_store_error"


@dataclass(frozen=True)
class KeyRecord:
    """One key as the store knows it: everything but the secret and its hash."""

    id: int
    name: str
    prefix: str
    created_at: str
    revoked_at: str | None
    rate_limit: str | None
    char_limit: int | None = None  # characters a month; None: no quota

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _record(row: Row[tuple[object, ...]]) -> KeyRecord:
    return KeyRecord(**row._asdict())


class KeyStore:
    """The keys in ``db`` (a :class:`Database`, or the path of an SQLite file).

    Its tables are made (or upgraded) on first use, not when it is built: a service that
    starts while its database is down answers 503 until the database is back."""

    def __init__(self, db: Database | str | os.PathLike[str]) -> None:
        self.db = db if isinstance(db, Database) else Database(sqlite_url(db))
        self._lock = threading.Lock()
        self._migrated = False

    @property
    def path(self) -> Path | None:
        """The SQLite file; None on PostgreSQL."""
        return self.db.path

    @property
    def where(self) -> str:
        """The database for a person (no password)."""
        return self.db.where

    def open(self) -> KeyStore:
        """Make or upgrade the tables now (raises DatabaseUnavailable when the database
        does not answer; the next call tries again)."""
        if not self._migrated:
            with self._lock:
                if not self._migrated:
                    self.db.migrate(COMPONENT, MIGRATIONS)
                    self._migrated = True
        return self

    def try_open(self) -> bool:
        """:meth:`open`, logged rather than raised when the database is down."""
        try:
            self.open()
        except DatabaseUnavailable:
            log.warning("the key database %s does not answer: requests that need a key get "
                        "503 until it does", self.where)
            return False
        return True

    def ping(self) -> None:
        """Raise DatabaseUnavailable unless the tables are ready and the database answers."""
        self.open()
        self.db.ping()

    def add(self, name: str, rate_limit: str | None = None,
            char_limit: int | None = None) -> tuple[int, str]:
        """Create a key; returns (id, plaintext). The plaintext exists only in the return value."""
        _check_char_limit(char_limit)
        name = name.strip()
        if not name:
            raise KeyStoreError("a key needs a name (who or what uses it)", code="invalid_name")
        if len(name) > 200:
            raise KeyStoreError("a key name is at most 200 characters", code="invalid_name")
        plaintext = KEY_SCHEME + secrets.token_urlsafe(32)
        self.open()
        with self.db.write() as conn:
            key_id = conn.execute(
                sa.insert(api_keys).values(
                    name=name, prefix=plaintext[:PREFIX_CHARS], hash=hash_key(plaintext),
                    created_at=_now(), rate_limit=rate_limit or None, char_limit=char_limit)
                .returning(api_keys.c.id)).scalar_one()
        return int(key_id), plaintext

    def list(self) -> list[KeyRecord]:
        self.open()
        with self.db.read() as conn:
            rows = conn.execute(sa.select(*_COLUMNS).order_by(api_keys.c.id)).all()
        return [_record(row) for row in rows]

    def get(self, id_or_prefix: str | int) -> KeyRecord:
        """The key with this id (digits) or display prefix (``rk_...``); exactly one or an error."""
        ref = str(id_or_prefix).strip()
        if ref.isdigit():
            where = api_keys.c.id == int(ref)
        elif ref.startswith(KEY_SCHEME) and len(ref) > len(KEY_SCHEME):
            # A prefix of the display prefix, or the display prefix itself.
            where = sa.func.substr(api_keys.c.prefix, 1, len(ref)) == ref[:PREFIX_CHARS]
        else:
            raise KeyStoreError(f"{ref!r} is neither a key id (a number) nor a key prefix "
                                f"({KEY_SCHEME}...)", code="unknown_key")
        self.open()
        with self.db.read() as conn:
            rows = conn.execute(sa.select(*_COLUMNS).where(where).order_by(api_keys.c.id)).all()
        if not rows:
            raise KeyStoreError(f"no API key {ref!r} (see `ringkas keys list`)",
                                code="unknown_key")
        if len(rows) > 1:
            raise KeyStoreError(f"{ref!r} matches {len(rows)} keys; use the id",
                                code="ambiguous_key")
        return _record(rows[0])

    def revoke(self, id_or_prefix: str | int) -> KeyRecord:
        """Revoke a key (idempotent: revoking a revoked key keeps its first revocation time)."""
        record = self.get(id_or_prefix)
        with self.db.write() as conn:
            conn.execute(sa.update(api_keys)
                         .where(api_keys.c.id == record.id, api_keys.c.revoked_at.is_(None))
                         .values(revoked_at=_now()))
        return self.get(record.id)

    def verify(self, plaintext: str) -> KeyRecord | None:
        """The record of this key (revoked or not), or None if the store does not know it."""
        if not plaintext.startswith(KEY_SCHEME):
            return None
        self.open()
        with self.db.read() as conn:
            row = conn.execute(sa.select(*_COLUMNS)
                               .where(api_keys.c.hash == hash_key(plaintext))).first()
        return _record(row) if row is not None else None

    def set_char_limit(self, id_or_prefix: str | int, char_limit: int | None) -> KeyRecord:
        """Set (or, with None, remove) a key's monthly character quota; what it used this
        month still counts."""
        _check_char_limit(char_limit)
        record = self.get(id_or_prefix)
        with self.db.write() as conn:
            conn.execute(sa.update(api_keys).where(api_keys.c.id == record.id)
                         .values(char_limit=char_limit))
        return self.get(record.id)

    def usage(self, key_id: int) -> CharUsage:
        """The characters this key translated this month, and its quota."""
        period = current_period()
        self.open()
        with self.db.read() as conn:
            return _usage(conn, key_id, period)

    def charge(self, key_id: int, characters: int, ref: str | None = None) -> str:
        """Count ``characters`` against the key's quota for this month, or raise
        :class:`QuotaExceeded` (and count nothing) when they would pass it. Returns the
        period charged, for :meth:`refund`; with ``ref``, the charge is recorded for
        :meth:`refund_charge`.

        The month's row is made (at 0) if it is missing, then raised by one conditional
        UPDATE that holds only within the quota: of charges made at once, from any process,
        those that fit are counted and the rest refused, never more than the quota."""
        period = current_period()
        self.open()
        with self.db.write() as conn:
            conn.execute(self.db.insert(key_usage)
                         .values(key_id=key_id, period=period, characters=0)
                         .on_conflict_do_nothing(index_elements=[key_usage.c.key_id,
                                                                 key_usage.c.period]))
            limit = (sa.select(api_keys.c.char_limit).where(api_keys.c.id == key_id)
                     .scalar_subquery())
            counted = conn.execute(
                sa.update(key_usage)
                .where(key_usage.c.key_id == key_id, key_usage.c.period == period,
                       sa.or_(limit.is_(None), key_usage.c.characters + characters <= limit))
                .values(characters=key_usage.c.characters + characters)
                .returning(key_usage.c.characters)).first()
            if counted is None:
                used = _usage(conn, key_id, period)
                raise QuotaExceeded(
                    f"the character quota of this key is {used.limit} a month; "
                    f"{used.characters} are used in {period} and this request has "
                    f"{characters}", details={"limit": used.limit,
                                              "used": used.characters})
            if ref is not None:
                # A charge of a past month could no longer be given back (refund): the
                # key's are dropped (under the lock its usage row holds now).
                conn.execute(sa.delete(key_charges).where(key_charges.c.key_id == key_id,
                                                          key_charges.c.period != period))
                conn.execute(sa.insert(key_charges).values(
                    ref=ref, key_id=key_id, period=period, characters=characters))
        return period

    def refund(self, key_id: int, characters: int, period: str) -> None:
        """Give back a charge whose translation failed (within the month charged)."""
        self.open()
        with self.db.write() as conn:
            _give_back(conn, key_id, characters, period)

    def refund_charge(self, key_id: int, ref: str) -> bool:
        """Give back the charge made with ``ref``, at most once whichever processes ask;
        False when there is nothing to give back (given back already, or never made)."""
        self.open()
        with self.db.write() as conn:
            # Marked refunded by the statement that finds it: of processes asking at once,
            # one gets the row back.
            row = conn.execute(
                sa.update(key_charges)
                .where(key_charges.c.ref == ref, key_charges.c.key_id == key_id,
                       key_charges.c.refunded == 0)
                .values(refunded=1)
                .returning(key_charges.c.period, key_charges.c.characters)).first()
            if row is None:
                return False
            _give_back(conn, key_id, int(row.characters), row.period)
        return True

    def copy_from(self, source: KeyStore) -> int:
        """Copy every key of ``source`` (with its id, quota, usage and charges not given
        back yet) into this store, which must hold none; returns the keys copied. Ids are
        kept: documents and logs name keys by id."""
        self.open()
        source.open()
        with source.db.read() as conn:
            rows = {table: [r._asdict() for r in conn.execute(sa.select(table))]
                    for table in (api_keys, key_usage, key_charges)}
        with self.db.write() as conn:
            if conn.scalar(sa.select(sa.func.count()).select_from(api_keys)):
                raise KeyStoreError(f"{self.where} holds keys already: keys are copied only "
                                    "into a database without any", code="keys_exist")
            for table, values in rows.items():
                if values:
                    conn.execute(sa.insert(table), values)
            if self.db.dialect == POSTGRESQL and rows[api_keys]:
                # the ids given explicitly: the next key's comes after them
                conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('api_keys', 'id'), "
                                     "(SELECT max(id) FROM api_keys))"))
        return len(rows[api_keys])


def _give_back(conn: Connection, key_id: int, characters: int, period: str) -> None:
    conn.execute(sa.update(key_usage)
                 .where(key_usage.c.key_id == key_id, key_usage.c.period == period)
                 .values(characters=sa.case(
                     (key_usage.c.characters > characters, key_usage.c.characters - characters),
                     else_=0)))


def _usage(conn: Connection, key_id: int, period: str) -> CharUsage:
    characters = conn.scalar(sa.select(key_usage.c.characters)
                             .where(key_usage.c.key_id == key_id, key_usage.c.period == period))
    limit = conn.scalar(sa.select(api_keys.c.char_limit).where(api_keys.c.id == key_id))
    return CharUsage(int(characters or 0), None if limit is None else int(limit), period)


def _check_char_limit(char_limit: int | None) -> None:
    if char_limit is not None and (isinstance(char_limit, bool) or char_limit < 0):
        raise KeyStoreError("a character quota is a whole number of characters, 0 or more",
                            code="invalid_char_limit")
