"""Editors' suggested translations (LibreTranslate's ``/suggest``), kept in SQLite (WAL) in
the data dir for review and export: as a glossary (DeepL's tab-separated entries) or as
evaluation material (JSONL of source, reference and language pair). A suggestion an
operator approved (``ringkas suggestions approve``) is a human translation: the service
uses it instead of the model's for the same sentence (service/runtime/human.py).

Each suggestion records the API key it came with (its id; none with keys off), so review
and export can be filtered by key. The texts are the editors' own: they are stored, never
logged. Every call opens its own connection, so one store is safe to share between threads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from service.errors import RingkasError

FILE_NAME = "suggestions.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS suggestions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    key_id      INTEGER,
    source      TEXT NOT NULL,
    target      TEXT NOT NULL,
    q           TEXT NOT NULL,
    s           TEXT NOT NULL,
    approved_at TEXT
);
CREATE INDEX IF NOT EXISTS suggestions_key ON suggestions (key_id);
"""
# Added after the first schema: (name, declaration), each added to a file that lacks it.
_ADDED_COLUMNS = (("approved_at", "TEXT"),)
_INDEXES = "CREATE INDEX IF NOT EXISTS suggestions_approved ON suggestions (approved_at);"
_COLUMNS = "id, created_at, key_id, source, target, q, s, approved_at"
EXPORT_FORMATS = ("glossary", "eval")


class SuggestionsUnavailable(RingkasError):
    """The store cannot be opened or written (the data dir's disk, its permissions)."""

    status = 503
    default_code = "suggestions_unavailable"


class SuggestionsFull(RingkasError):
    status = 507
    default_code = "suggestions_full"


@dataclass(frozen=True)
class Suggestion:
    id: int
    created_at: str
    key_id: int | None  # None: sent without a key (keys off)
    source: str
    target: str
    q: str  # the original text
    s: str  # the suggested translation
    approved_at: str | None = None  # when an operator approved it; None: not approved

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def store_path(data_dir: str) -> Path:
    return Path(os.path.expanduser(data_dir)) / FILE_NAME


class SuggestionStore:
    def __init__(self, path: str | os.PathLike[str], *, max_rows: int = 0,
                 max_rows_per_key: int = 0) -> None:
        self.path = Path(path)
        self.max_rows = max_rows  # 0: no cap
        self.max_rows_per_key = max_rows_per_key  # one key's share (0: none of its own)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                _migrate(conn)
        except (OSError, sqlite3.Error) as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: BaseException) -> SuggestionsUnavailable:
        # The error's class only: a message might quote a statement, never the texts here,
        # but the class is all an operator needs beside the path.
        return SuggestionsUnavailable(f"the suggestions store {self.path} cannot be used "
                                      f"({type(exc).__name__}); suggestions are unavailable "
                                      "until it can", details={"path": str(self.path)})

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn, conn:
            yield conn

    def add(self, q: str, s: str, source: str, target: str, key_id: int | None) -> int:
        try:
            with self._connect() as conn:
                # The caps are read and the row added under one write lock: concurrent
                # suggestions (threads, processes) never pass them together.
                conn.execute("BEGIN IMMEDIATE")
                if self.max_rows:
                    (count,) = conn.execute("SELECT COUNT(*) FROM suggestions").fetchone()
                    if count >= self.max_rows:
                        raise SuggestionsFull(
                            f"the server holds {count} suggestions, its limit; export and "
                            "clear them (`ringkas suggestions export`, then "
                            "`ringkas suggestions clear`)", details={"limit": self.max_rows})
                if self.max_rows_per_key:
                    (mine,) = conn.execute("SELECT COUNT(*) FROM suggestions WHERE key_id IS ?",
                                           (key_id,)).fetchone()
                    if mine >= self.max_rows_per_key:
                        raise SuggestionsFull(
                            f"this key has sent {mine} suggestions, its share of the store; "
                            "an operator exports and clears them (`ringkas suggestions "
                            "export`, then `ringkas suggestions clear`)",
                            code="suggestions_key_full",
                            details={"limit": self.max_rows_per_key})
                cur = conn.execute(
                    "INSERT INTO suggestions (created_at, key_id, source, target, q, s) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (datetime.now(UTC).replace(microsecond=0).isoformat(), key_id, source,
                     target, q, s))
                return int(cur.lastrowid or 0)
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None

    def find(self, *, key_id: int | None = None, anonymous: bool = False,
             source: str | None = None, target: str | None = None,
             approved: bool | None = None) -> list[Suggestion]:
        """Oldest first; ``key_id`` one key's, ``anonymous`` those sent without a key;
        ``approved`` True only the approved ones, False only the others."""
        where, args = self._filter(key_id, anonymous, source, target, approved)
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM suggestions{where} ORDER BY id",
                                args).fetchall()
        return [Suggestion(*row) for row in rows]

    def approved(self) -> list[Suggestion]:
        """The approved suggestions, in the order they were approved (the last approved of
        one text is the one that counts)."""
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM suggestions WHERE approved_at IS "
                                "NOT NULL ORDER BY approved_at, id").fetchall()
        return [Suggestion(*row) for row in rows]

    def approval_state(self) -> tuple[int, str | None, int]:
        """What changes whenever the approved suggestions do (an approval, a withdrawal, a
        deletion), read from the index alone: a reader that finds it unchanged after a
        write (a new suggestion) need not read them again."""
        with self._connect() as conn:
            count, last, ids = conn.execute(
                "SELECT COUNT(*), MAX(approved_at), COALESCE(SUM(id), 0) FROM suggestions "
                "WHERE approved_at IS NOT NULL").fetchone()
        return int(count), last, int(ids)

    def approve(self, ids: Iterable[int], approved: bool = True) -> list[int]:
        """Approve (or, ``approved`` False, withdraw the approval of) these suggestions; the
        ids of those that exist. Approving an approved one again makes it the latest."""
        ids = list(dict.fromkeys(ids))
        stamp = datetime.now(UTC).isoformat() if approved else None
        try:
            with self._connect() as conn:
                found = [i for (i,) in conn.execute(
                    "SELECT id FROM suggestions WHERE id IN "
                    f"({', '.join('?' * len(ids))}) ORDER BY id", ids).fetchall()] \
                    if ids else []
                conn.executemany("UPDATE suggestions SET approved_at = ? WHERE id = ?",
                                 [(stamp, i) for i in found])
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        return found

    def remove(self, ids: Iterable[int]) -> int:
        """Delete these suggestions (as found by :meth:`find`); how many were."""
        with self._connect() as conn:
            cur = conn.executemany("DELETE FROM suggestions WHERE id = ?", [(i,) for i in ids])
            return cur.rowcount

    @staticmethod
    def _filter(key_id: int | None, anonymous: bool, source: str | None,
                target: str | None, approved: bool | None = None,
                ) -> tuple[str, list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        if anonymous:
            clauses.append("key_id IS NULL")
        elif key_id is not None:
            clauses.append("key_id = ?")
            args.append(key_id)
        for column, value in (("source", source), ("target", target)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if approved is not None:
            clauses.append("approved_at IS NOT NULL" if approved else "approved_at IS NULL")
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _migrate(conn: sqlite3.Connection) -> None:
    """A file of an earlier schema gets the columns added since, every row kept (a column
    added is empty: no suggestion of before is approved)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(suggestions)")}
    for name, declaration in _ADDED_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE suggestions ADD COLUMN {name} {declaration}")
    conn.executescript(_INDEXES)


class Changes:
    """Whether anyone wrote to the store since last asked: SQLite's data_version on one
    connection kept open, a read of no table, cheap enough for every request."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._lock = threading.Lock()

    def version(self) -> int:
        with self._lock:
            (value,) = self._conn.execute("PRAGMA data_version").fetchone()
            return int(value)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _one_line(text: str) -> str:
    """A glossary entry is one line with one tab: inner whitespace runs become a space."""
    return " ".join(text.split())


def export_lines(suggestions: Iterable[Suggestion], fmt: str) -> Iterator[str]:
    """``glossary``: ``source<TAB>target`` per entry, DeepL's tab-separated glossary format
    (one language pair per glossary: filter by pair first); a term suggested more than once
    keeps its latest translation. ``eval``: one JSON object per line keyed by language code
    as the NusaX-MT files in eval/data are (``{"id": ..., "en": ...}``), with
    ``source_lang``, ``target_lang`` and the suggestion's number."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if fmt == "eval":
        for sug in suggestions:
            yield json.dumps({"suggestion": sug.id, "source_lang": sug.source,
                              "target_lang": sug.target, sug.source: sug.q, sug.target: sug.s},
                             ensure_ascii=False)
        return
    entries: dict[str, str] = {}
    for sug in suggestions:
        term, translation = _one_line(sug.q), _one_line(sug.s)
        if term and translation:
            entries.pop(term, None)  # the latest suggestion wins, in its own place
            entries[term] = translation
    for term, translation in entries.items():
        yield f"{term}\t{translation}"
