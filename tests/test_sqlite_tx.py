"""service/sqlite_tx.py: the error that ended a transaction is the one the caller sees."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from service.sqlite_tx import immediate


def _conn(tmp_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    conn.execute("CREATE TABLE t (x INTEGER)")
    return conn


def test_a_failed_block_is_rolled_back(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    with pytest.raises(ValueError), immediate(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        raise ValueError("boom")
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_an_error_after_sqlite_rolled_back_itself_is_not_hidden(tmp_path: Path) -> None:
    """SQLite ends the transaction by itself on a full disk or an I/O error; the caller
    (storage_fault) must see that error, not 'cannot rollback - no transaction is active'."""
    conn = _conn(tmp_path)
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"), \
            immediate(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("ROLLBACK")  # as SQLite does after SQLITE_FULL
        raise sqlite3.OperationalError("database or disk is full")
    assert not conn.in_transaction


def test_a_clean_block_commits(tmp_path: Path) -> None:
    conn = _conn(tmp_path)
    with immediate(conn):
        conn.execute("INSERT INTO t VALUES (1)")
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
