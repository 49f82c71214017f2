"""Where glossaries live: read-only server-wide files, and API-created ones in SQLite.

Server-wide glossaries are the files ``NAME.SRC-TGT.tsv`` or ``NAME.SRC-TGT.csv`` of the
directory RINGKAS_GLOSSARY_DIR (``newsroom.id-en.tsv``), read once when the store is made;
one name may have a file per language pair. Their ids are stable (derived from name and
pair) and they cannot be changed through the API.

API-created glossaries (DeepL's model: one language pair each, a uuid ``glossary_id``) are
kept in ``glossaries.sqlite3`` in the data dir. Each belongs to the API key that created it
(``owner``); another key neither sees nor deletes it. With API keys off every caller is the
same owner (None), so they are shared. Every call opens its own connection, so one store is
safe to share between threads.
"""

from __future__ import annotations

import builtins
import json
import re
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.config import ConfigError, Settings
from service.config.settings import FeatureSettings
from service.errors import InvalidField, QuotaExceeded
from service.glossary.parse import (
    MAX_ENTRIES,
    GlossaryNotFound,
    InvalidGlossary,
    check_entries,
    parse_entries,
)
from service.glossary.terms import GlossaryPolicy, Terms
from service.languages import PAIRS, PAIRS_TEXT

DB_NAME = "glossaries.sqlite3"
_FILE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)\.(?P<src>[a-z]{2})-(?P<tgt>[a-z]{2})"
                   r"\.(?P<fmt>tsv|csv)$")
_NAMESPACE = uuid.UUID("5f0b7c3e-4a51-4c43-9a63-0d8c1f6e2a17")
_MAX_NAME = 200
_SCHEMA = """
CREATE TABLE IF NOT EXISTS glossaries (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    source_lang   TEXT NOT NULL,
    target_lang   TEXT NOT NULL,
    entries       TEXT NOT NULL,
    creation_time TEXT NOT NULL,
    owner         TEXT
);
CREATE INDEX IF NOT EXISTS glossaries_owner ON glossaries (owner);
"""


@dataclass(frozen=True)
class Glossary:
    glossary_id: str
    name: str
    source_lang: str
    target_lang: str
    entries: tuple[tuple[str, str], ...]
    creation_time: str
    owner: str | None = None
    server: bool = False  # from RINGKAS_GLOSSARY_DIR: read-only

    @property
    def entry_count(self) -> int:
        return len(self.entries)

    def to_json(self) -> dict[str, Any]:
        """DeepL's glossary object, plus ``server``."""
        return {"glossary_id": self.glossary_id, "name": self.name, "ready": True,
                "source_lang": self.source_lang, "target_lang": self.target_lang,
                "creation_time": self.creation_time, "entry_count": self.entry_count,
                "server": self.server}

    def terms(self) -> Terms:
        return Terms(self.source_lang, self.target_lang, self.entries, self.name)

    def tsv(self) -> str:
        """The entries as DeepL's entries endpoint returns them."""
        return "".join(f"{s}\t{t}\n" for s, t in self.entries)


def _check_pair(source_lang: str, target_lang: str) -> tuple[str, str]:
    source_lang, target_lang = source_lang.lower(), target_lang.lower()
    if (source_lang, target_lang) not in PAIRS:
        raise InvalidGlossary(f"unsupported glossary language pair {source_lang!r} -> "
                              f"{target_lang!r}; supported: {PAIRS_TEXT}",
                              code="unsupported_language_pair")
    return source_lang, target_lang


def load_dir(folder: Path) -> list[Glossary]:
    """The server-wide glossaries of ``folder``; a bad file fails loudly (ConfigError)."""
    if not folder.is_dir():
        raise ConfigError(f"RINGKAS_GLOSSARY_DIR {folder} is not a directory")
    found = []
    for path in sorted(folder.iterdir()):
        m = _FILE.match(path.name)
        if not m or not path.is_file():
            continue
        try:
            src, tgt = _check_pair(m["src"], m["tgt"])
            entries = parse_entries(path.read_text(encoding="utf-8"), m["fmt"],
                                    source_lang=src, target_lang=tgt)
        except (InvalidGlossary, OSError, UnicodeDecodeError) as exc:
            detail = getattr(exc, "details", None) or ""
            raise ConfigError(f"glossary file {path}: {exc} {detail}".rstrip()) from None
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        gid = str(uuid.uuid5(_NAMESPACE, f"{m['name']}:{src}-{tgt}"))
        found.append(Glossary(gid, m["name"], src, tgt, entries, _iso(stamp), None, True))
    return found


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class GlossaryStore:
    """``server_dir``: RINGKAS_GLOSSARY_DIR (None: no server-wide glossaries); ``data_dir``:
    where API-created glossaries are kept (None: creating one is refused)."""

    def __init__(self, server_dir: Path | None = None, data_dir: Path | None = None, *,
                 max_per_owner: int = FeatureSettings.max_glossaries_per_key,
                 max_entries_per_owner: int = FeatureSettings.max_glossary_entries_per_key) -> None:
        self.server: tuple[Glossary, ...] = tuple(load_dir(server_dir)) if server_dir else ()
        self.path = data_dir / DB_NAME if data_dir else None
        self._ready = False
        self.max_per_owner = max_per_owner
        self.max_entries_per_owner = max_entries_per_owner

    @classmethod
    def from_settings(cls, settings: Settings) -> GlossaryStore:
        """Server-wide glossaries from RINGKAS_GLOSSARY_DIR (read now: a bad file fails the
        start), API-created ones in the data dir."""
        folder = settings.features.glossary_dir
        return cls(Path(folder).expanduser() if folder else None,
                   Path(settings.data_dir).expanduser(),
                   max_per_owner=settings.features.max_glossaries_per_key,
                   max_entries_per_owner=settings.features.max_glossary_entries_per_key)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self.path is None:
            raise InvalidGlossary("this server keeps no API-created glossaries",
                                  code="glossary_storage_unavailable")
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                self._ready = True
            with conn:
                yield conn

    # -- the API's operations (DeepL's /v2/glossaries maps onto these) --

    def create(self, name: str, source_lang: str, target_lang: str,
               entries: tuple[tuple[str, str], ...] | str, *, entries_format: str = "tsv",
               owner: str | None = None) -> Glossary:
        """A new glossary; ``entries`` as (source, target) pairs or TSV/CSV text."""
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > _MAX_NAME:
            raise InvalidField("name", f"a glossary name is 1 to {_MAX_NAME} characters",
                               code="invalid_glossary_name")
        source_lang, target_lang = _check_pair(source_lang, target_lang)
        if isinstance(entries, str):
            parsed = parse_entries(entries, entries_format, source_lang=source_lang,
                                   target_lang=target_lang)
        else:
            parsed = check_entries(dict(entries), MAX_ENTRIES)
            if len(parsed) != len(entries):
                raise InvalidGlossary("a source term appears twice",
                                      code="duplicate_glossary_source")
        if not parsed:
            raise InvalidGlossary("a glossary needs at least one entry",
                                  code="empty_glossary")
        glossary = Glossary(str(uuid.uuid4()), name, source_lang, target_lang, parsed,
                            _iso(datetime.now(UTC)), owner)
        with self._connect() as conn:
            # The caps are checked and the row added under one write lock: concurrent
            # creations (other threads, other processes) never pass them together.
            conn.execute("BEGIN IMMEDIATE")
            count, entries_held = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(json_array_length(entries)), 0) FROM glossaries "
                "WHERE owner IS ?", (owner,)).fetchone()
            if count >= self.max_per_owner:
                raise QuotaExceeded(f"this key keeps {count} glossaries, the most it may; "
                                    "delete one first", code="glossary_limit",
                                    details={"limit": self.max_per_owner})
            if entries_held + len(parsed) > self.max_entries_per_owner:
                raise QuotaExceeded(f"this key's glossaries hold {entries_held} entries; "
                                    f"{len(parsed)} more would pass the "
                                    f"{self.max_entries_per_owner} it may keep",
                                    code="glossary_entries_limit",
                                    details={"limit": self.max_entries_per_owner})
            conn.execute("INSERT INTO glossaries VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (glossary.glossary_id, name, source_lang, target_lang,
                          json.dumps(parsed, ensure_ascii=False), glossary.creation_time,
                          owner))
        return glossary

    def list(self, owner: str | None = None, *, server: bool = True) -> list[Glossary]:
        """The caller's glossaries (server-wide ones first, unless ``server`` is false)."""
        own: list[Glossary] = []
        if self.path is not None and (self._ready or self.path.exists()):
            with self._connect() as conn:
                rows = conn.execute("SELECT * FROM glossaries WHERE owner IS ? "
                                    "ORDER BY creation_time, id", (owner,)).fetchall()
            own = [_row(r) for r in rows]
        return [*(self.server if server else ()), *own]

    def get(self, glossary_id: str, owner: str | None = None) -> Glossary:
        for g in self.server:
            if g.glossary_id == glossary_id:
                return g
        if self.path is not None and (self._ready or self.path.exists()):
            with self._connect() as conn:
                row = conn.execute("SELECT * FROM glossaries WHERE id = ? AND owner IS ?",
                                   (glossary_id, owner)).fetchone()
            if row is not None:
                return _row(row)
        raise GlossaryNotFound("no such glossary", details={"glossary_id": glossary_id})

    def entries(self, glossary_id: str, owner: str | None = None) -> tuple[tuple[str, str], ...]:
        return self.get(glossary_id, owner).entries

    def delete(self, glossary_id: str, owner: str | None = None) -> None:
        glossary = self.get(glossary_id, owner)
        if glossary.server:
            raise InvalidGlossary("a server-wide glossary cannot be deleted through the API",
                                  code="glossary_read_only", details={"glossary_id": glossary_id})
        with self._connect() as conn:
            conn.execute("DELETE FROM glossaries WHERE id = ? AND owner IS ?",
                         (glossary_id, owner))

    def language_pairs(self) -> builtins.list[tuple[str, str]]:
        return sorted(PAIRS)

    # -- what /v1 requests use --

    def named(self, ref: str, owner: str | None = None) -> builtins.list[Glossary]:
        """The glossaries a request's ``"glossary"`` names: every pair of a server-wide
        name, a server-wide glossary's id, or the caller's own glossary of that id or name
        (the newest of a name, per pair)."""
        found = ([g for g in self.server if g.name == ref]
                 or [g for g in self.server if g.glossary_id == ref])
        if found:
            return found
        mine = [g for g in self.list(owner, server=False) if ref in (g.glossary_id, g.name)]
        by_pair: dict[tuple[str, str], Glossary] = {}
        for g in mine:  # in creation order: the newest of each pair wins
            by_pair[(g.source_lang, g.target_lang)] = g
        return list(by_pair.values())


def _row(row: tuple[Any, ...]) -> Glossary:
    gid, name, src, tgt, entries, created, owner = row
    return Glossary(gid, name, src, tgt, tuple((s, t) for s, t in json.loads(entries)),
                    created, owner)


def policy(glossaries: list[Glossary], inline: Mapping[str, str] | None, pair: tuple[str, str],
           name: str | None = None) -> GlossaryPolicy:
    """One request's glossary: the named glossaries' dictionaries, with the inline entries
    (for ``pair``, the request's main translation direction) added over them."""
    by_pair = {(g.source_lang, g.target_lang): dict(g.entries) for g in glossaries}
    if inline:
        by_pair[pair] = {**by_pair.get(pair, {}), **dict(check_entries(inline))}
    return GlossaryPolicy(tuple(Terms(s, t, tuple(e.items()), name)
                                for (s, t), e in by_pair.items()), name)
