"""API keys in SQLite (stdlib, WAL mode), stored hashed.

A key is ``rk_`` + 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits). With
that much entropy a plain SHA-256 is the right hash (a slow password hash buys nothing against
brute force of a random 256-bit secret and would cost every request); the table keeps only
that hash and a short, non-secret prefix for people to tell keys apart. The plaintext is
returned once, by :meth:`KeyStore.add`, and never stored or logged.

A key may carry a monthly character quota (``char_limit``): the characters it had
translated (by the DeepL-compatible /v2/translate) are counted per calendar month (UTC) in
``key_usage``, and a request that would pass the quota is refused (:class:`QuotaExceeded`).

Every call opens its own connection, so one store is safe to share between server threads.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from service.auth.usage import CharUsage, current_period
from service.errors import QuotaExceeded, RingkasError
from service.sqlite_tx import immediate

KEY_SCHEME = "rk_"
PREFIX_CHARS = len(KEY_SCHEME) + 8  # "rk_" and 8 random characters (48 bits): display only

_SCHEMA = """
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
-- A charge that may have to be given back later, by whichever process finds its work
-- failed (a document's): written in the transaction that counts it, marked refunded in the
-- one that gives it back, so that it is given back at most once.
CREATE TABLE IF NOT EXISTS key_charges (
    ref         TEXT PRIMARY KEY,
    key_id      INTEGER NOT NULL,
    period      TEXT NOT NULL,
    characters  INTEGER NOT NULL,
    refunded    INTEGER NOT NULL DEFAULT 0
);
"""
# Columns added after the first release, with their definitions: a store made before them
# gets them when it is opened.
_ADDED_COLUMNS = {"char_limit": "INTEGER"}
_COLUMNS = "id, name, prefix, created_at, revoked_at, rate_limit, char_limit"  # never the hash


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


class KeyStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(os.path.expanduser(os.fspath(path)))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            new = not self.path.exists()
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                _add_missing_columns(conn)
            if new:
                self.path.chmod(0o600)  # hashes only, but nobody else's business
        except (OSError, sqlite3.Error) as exc:
            raise KeyStoreError(f"cannot open the API key database {self.path}: {exc}") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
            yield conn

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Connection]:
        """One write transaction that holds the write lock from its first read: a check
        and the update it decides stay one step for every server process."""
        with (closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as conn,
              immediate(conn)):
            yield conn

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
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO api_keys (name, prefix, hash, created_at, rate_limit, char_limit) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, plaintext[:PREFIX_CHARS], hash_key(plaintext), _now(), rate_limit or None,
                 char_limit))
            key_id = cur.lastrowid
        assert key_id is not None
        return key_id, plaintext

    def list(self) -> list[KeyRecord]:
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM api_keys ORDER BY id").fetchall()
        return [KeyRecord(*row) for row in rows]

    def get(self, id_or_prefix: str | int) -> KeyRecord:
        """The key with this id (digits) or display prefix (``rk_...``); exactly one or an error."""
        ref = str(id_or_prefix).strip()
        with self._connect() as conn:
            if ref.isdigit():
                rows = conn.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE id = ?",
                                    (int(ref),)).fetchall()
            elif ref.startswith(KEY_SCHEME) and len(ref) > len(KEY_SCHEME):
                # A prefix of the display prefix, or the display prefix itself.
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM api_keys WHERE substr(prefix, 1, ?) = ?",
                    (len(ref), ref[:PREFIX_CHARS])).fetchall()
            else:
                raise KeyStoreError(f"{ref!r} is neither a key id (a number) nor a key prefix "
                                    f"({KEY_SCHEME}...)", code="unknown_key")
        if not rows:
            raise KeyStoreError(f"no API key {ref!r} (see `ringkas keys list`)",
                                code="unknown_key")
        if len(rows) > 1:
            raise KeyStoreError(f"{ref!r} matches {len(rows)} keys; use the id",
                                code="ambiguous_key")
        return KeyRecord(*rows[0])

    def revoke(self, id_or_prefix: str | int) -> KeyRecord:
        """Revoke a key (idempotent: revoking a revoked key keeps its first revocation time)."""
        record = self.get(id_or_prefix)
        with self._connect() as conn:
            conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                         (_now(), record.id))
        return self.get(record.id)

    def verify(self, plaintext: str) -> KeyRecord | None:
        """The record of this key (revoked or not), or None if the store does not know it."""
        if not plaintext.startswith(KEY_SCHEME):
            return None
        with self._connect() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE hash = ?",
                               (hash_key(plaintext),)).fetchone()
        return KeyRecord(*row) if row else None

    def set_char_limit(self, id_or_prefix: str | int, char_limit: int | None) -> KeyRecord:
        """Set (or, with None, remove) a key's monthly character quota; what it used this
        month still counts."""
        _check_char_limit(char_limit)
        record = self.get(id_or_prefix)
        with self._connect() as conn:
            conn.execute("UPDATE api_keys SET char_limit = ? WHERE id = ?",
                         (char_limit, record.id))
        return self.get(record.id)

    def usage(self, key_id: int) -> CharUsage:
        """The characters this key translated this month, and its quota."""
        period = current_period()
        with self._connect() as conn:
            return _usage(conn, key_id, period)

    def charge(self, key_id: int, characters: int, ref: str | None = None) -> str:
        """Count ``characters`` against the key's quota for this month, or raise
        :class:`QuotaExceeded` (and count nothing) when they would pass it. Returns the
        period charged, for :meth:`refund`; with ``ref``, the charge is recorded for
        :meth:`refund_charge`."""
        period = current_period()
        with self._immediate() as conn:
            used = _usage(conn, key_id, period)
            if used.limit is not None and used.characters + characters > used.limit:
                raise QuotaExceeded(
                    f"the character quota of this key is {used.limit} a month; "
                    f"{used.characters} are used in {period} and this request has "
                    f"{characters}", details={"limit": used.limit,
                                              "used": used.characters})
            conn.execute(
                "INSERT INTO key_usage (key_id, period, characters) VALUES (?, ?, ?) "
                "ON CONFLICT (key_id) DO UPDATE SET period = excluded.period, characters = "
                "CASE WHEN key_usage.period = excluded.period "
                "THEN key_usage.characters + excluded.characters "
                "ELSE excluded.characters END", (key_id, period, characters))
            if ref is not None:
                # A charge of a past month could no longer be given back (refund).
                conn.execute("DELETE FROM key_charges WHERE period <> ?", (period,))
                conn.execute("INSERT INTO key_charges (ref, key_id, period, characters) "
                             "VALUES (?, ?, ?, ?)", (ref, key_id, period, characters))
        return period

    def refund(self, key_id: int, characters: int, period: str) -> None:
        """Give back a charge whose translation failed (only within the period charged)."""
        with self._connect() as conn:
            conn.execute("UPDATE key_usage SET characters = max(0, characters - ?) "
                         "WHERE key_id = ? AND period = ?", (characters, key_id,
                                                             period))

    def refund_charge(self, key_id: int, ref: str) -> bool:
        """Give back the charge made with ``ref``, at most once whichever processes ask;
        False when there is nothing to give back (given back already, or never made)."""
        with self._immediate() as conn:
            row = conn.execute("SELECT period, characters FROM key_charges WHERE ref = ? "
                               "AND key_id = ? AND refunded = 0", (ref, key_id)).fetchone()
            if row is None:
                return False
            conn.execute("UPDATE key_usage SET characters = max(0, characters - ?) "
                         "WHERE key_id = ? AND period = ?", (row[1], key_id, row[0]))
            conn.execute("UPDATE key_charges SET refunded = 1 WHERE ref = ?", (ref,))
        return True


def _usage(conn: sqlite3.Connection, key_id: int, period: str) -> CharUsage:
    row = conn.execute("SELECT period, characters FROM key_usage WHERE key_id = ?",
                       (key_id,)).fetchone()
    characters = int(row[1]) if row is not None and row[0] == period else 0
    limit_row = conn.execute("SELECT char_limit FROM api_keys WHERE id = ?",
                             (key_id,)).fetchone()
    limit = limit_row[0] if limit_row is not None else None
    return CharUsage(characters, None if limit is None else int(limit), period)


def _check_char_limit(char_limit: int | None) -> None:
    if char_limit is not None and (isinstance(char_limit, bool) or char_limit < 0):
        raise KeyStoreError("a character quota is a whole number of characters, 0 or more",
                            code="invalid_char_limit")


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    have = {row[1] for row in conn.execute("PRAGMA table_info(api_keys)")}
    for name, definition in _ADDED_COLUMNS.items():
        if name not in have:
            conn.execute(f"ALTER TABLE api_keys ADD COLUMN {name} {definition}")
