"""Where glossaries live: read-only server-wide files, and API-created ones in SQLite.

Server-wide glossaries are the files ``NAME.SRC-TGT.tsv`` or ``NAME.SRC-TGT.csv`` of the
directory RINGKAS_GLOSSARY_DIR (``newsroom.id-en.tsv``), read once when the store is made;
one name may have a file per language pair. Their ids are stable (derived from name and
pair) and they cannot be changed through the API.

API-created glossaries (DeepL's model: a uuid ``glossary_id``, and a dictionary per language
pair: one for a v2 glossary, one or both pairs for a v3 one) are kept in
``glossaries.sqlite3`` in the data dir, a row per dictionary, the rows of one glossary
sharing its ``group_id``. Each belongs to the API key that created it
(``owner``); another key neither sees nor deletes it. With API keys off every caller is the
same owner (None), so they are shared. Every call opens its own connection, so one store is
safe to share between threads.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import re
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.config import ConfigError, Settings
from service.config.settings import FeatureSettings
from service.errors import InvalidField, MalformedRequest, QuotaExceeded
from service.glossary.parse import (
    MAX_ENTRIES,
    GlossaryNotFound,
    InvalidGlossary,
    check_entries,
    parse_entries,
)
from service.glossary.terms import GlossaryPolicy, Matchers, Terms
from service.languages import PAIRS, PAIRS_TEXT
from service.text.encoding import unpaired_surrogate

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
    owner         TEXT,
    group_id      TEXT
);
CREATE INDEX IF NOT EXISTS glossaries_owner ON glossaries (owner);
"""
# A row's columns as the store reads them (group_id was added to the first schema).
_COLUMNS = "id, name, source_lang, target_lang, entries, creation_time, owner, group_id"
# A dictionary to write: (source_lang, target_lang, entries as pairs or TSV/CSV, format).
DictionaryInput = tuple[str, str, "tuple[tuple[str, str], ...] | str", str]


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


@dataclass(frozen=True)
class GlossaryGroup:
    """One glossary as DeepL's v3 API sees it: its id, name and a dictionary per language
    pair (each a Glossary of that id)."""

    glossary_id: str
    name: str
    creation_time: str
    dictionaries: tuple[Glossary, ...]
    server: bool = False

    def dictionary(self, source_lang: str, target_lang: str) -> Glossary | None:
        return next((d for d in self.dictionaries
                     if (d.source_lang, d.target_lang) == (source_lang, target_lang)), None)


def _groups(dictionaries: builtins.list[Glossary]) -> builtins.list[GlossaryGroup]:
    """Dictionaries by glossary, in the order their glossaries first appear."""
    by_id: dict[str, builtins.list[Glossary]] = {}
    for d in dictionaries:
        by_id.setdefault(d.glossary_id, []).append(d)
    return [GlossaryGroup(gid, ds[0].name, min(d.creation_time for d in ds),
                          tuple(sorted(ds, key=lambda d: (d.source_lang, d.target_lang))),
                          ds[0].server) for gid, ds in by_id.items()]


def check_pair(source_lang: str, target_lang: str) -> tuple[str, str]:
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
            src, tgt = check_pair(m["src"], m["tgt"])
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
        # Each dictionary's matcher, built once per content and shared by the requests.
        self.matchers = Matchers()

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
                _add_groups(conn)
                self._ready = True
            with conn:
                yield conn

    def _has_db(self) -> bool:
        return self.path is not None and (self._ready or self.path.exists())

    def _parse(self, source_lang: str, target_lang: str,
               entries: tuple[tuple[str, str], ...] | str,
               entries_format: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        source_lang, target_lang = check_pair(source_lang, target_lang)
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
        return source_lang, target_lang, parsed

    def _check_caps(self, conn: sqlite3.Connection, owner: str | None, *, new_glossary: bool,
                    entries_added: int) -> None:
        """Under the caller's write lock: concurrent writers (other threads, other
        processes) never pass the caps together."""
        count, entries_held = conn.execute(
            "SELECT COUNT(DISTINCT group_id), COALESCE(SUM(json_array_length(entries)), 0) "
            "FROM glossaries WHERE owner IS ?", (owner,)).fetchone()
        if new_glossary and count >= self.max_per_owner:
            raise QuotaExceeded(f"this key keeps {count} glossaries, the most it may; "
                                "delete one first", code="glossary_limit",
                                details={"limit": self.max_per_owner})
        if entries_added > 0 and entries_held + entries_added > self.max_entries_per_owner:
            raise QuotaExceeded(f"this key's glossaries hold {entries_held} entries; "
                                f"{entries_added} more would pass the "
                                f"{self.max_entries_per_owner} it may keep",
                                code="glossary_entries_limit",
                                details={"limit": self.max_entries_per_owner})

    # -- the API's operations (DeepL's /v2 and /v3 glossaries map onto these) --

    def create(self, name: str, source_lang: str, target_lang: str,
               entries: tuple[tuple[str, str], ...] | str, *, entries_format: str = "tsv",
               owner: str | None = None) -> Glossary:
        """A new glossary of one pair; ``entries`` as (source, target) pairs or TSV/CSV."""
        group = self.create_group(name, [(source_lang, target_lang, entries, entries_format)],
                                  owner=owner)
        return group.dictionaries[0]

    def create_group(self, name: str, dictionaries: Sequence[DictionaryInput], *,
                     owner: str | None = None) -> GlossaryGroup:
        """A new glossary of one or more dictionaries, each of its own pair."""
        name = _check_name(name)
        parsed = [self._parse(*d) for d in dictionaries]
        if not parsed:
            raise InvalidGlossary("a glossary needs at least one dictionary",
                                  code="empty_glossary")
        pairs = [(s, t) for s, t, _ in parsed]
        if len(set(pairs)) != len(pairs):
            raise InvalidGlossary("a glossary has one dictionary per language pair",
                                  code="duplicate_glossary_dictionary")
        gid, created = str(uuid.uuid4()), _iso(datetime.now(UTC))
        made = tuple(Glossary(gid, name, s, t, e, created, owner) for s, t, e in parsed)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            self._check_caps(conn, owner, new_glossary=True,
                             entries_added=sum(len(e) for _, _, e in parsed))
            for n, d in enumerate(made):
                self._insert(conn, d, gid if n == 0 else None)
        return _groups(list(made))[0]

    @staticmethod
    def _insert(conn: sqlite3.Connection, d: Glossary, row_id: str | None = None) -> None:
        """One dictionary's row; a glossary's first row has the glossary's own id."""
        conn.execute(f"INSERT INTO glossaries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (row_id or str(uuid.uuid4()), d.name, d.source_lang, d.target_lang,
                      json.dumps(d.entries, ensure_ascii=False), d.creation_time, d.owner,
                      d.glossary_id))

    def list(self, owner: str | None = None, *, server: bool = True) -> list[Glossary]:
        """The caller's glossaries' dictionaries (server-wide ones first, unless ``server``
        is false), in creation order."""
        own: list[Glossary] = []
        if self._has_db():
            with self._connect() as conn:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM glossaries WHERE owner IS ? "
                                    "ORDER BY creation_time, rowid", (owner,)).fetchall()
            own = [_row(r) for r in rows]
        return [*(self.server if server else ()), *own]

    def groups(self, owner: str | None = None) -> builtins.list[GlossaryGroup]:
        """The caller's glossaries, each with its dictionaries (server-wide ones first)."""
        return _groups(self.list(owner))

    def group(self, glossary_id: str, owner: str | None = None) -> GlossaryGroup:
        found = [d for d in self.server if d.glossary_id == glossary_id]
        # No glossary's id or name holds a lone surrogate (SQLite could not even be asked).
        if not found and self._has_db() and not unpaired_surrogate(glossary_id):
            with self._connect() as conn:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM glossaries WHERE group_id = ? "
                                    "AND owner IS ? ORDER BY rowid",
                                    (glossary_id, owner)).fetchall()
            found = [_row(r) for r in rows]
        if not found:
            raise GlossaryNotFound("no such glossary", details={"glossary_id": glossary_id})
        return _groups(found)[0]

    def get(self, glossary_id: str, owner: str | None = None) -> Glossary:
        """A glossary of one dictionary, as DeepL's v2 API reads it."""
        group = self.group(glossary_id, owner)
        if len(group.dictionaries) != 1:
            raise InvalidGlossary(f"glossary {glossary_id!r} has {len(group.dictionaries)} "
                                  "dictionaries; /v3/glossaries reads it",
                                  code="glossary_multilingual",
                                  details={"glossary_id": glossary_id})
        return group.dictionaries[0]

    def entries(self, glossary_id: str, owner: str | None = None) -> tuple[tuple[str, str], ...]:
        return self.get(glossary_id, owner).entries

    def _locked(self, conn: sqlite3.Connection, glossary_id: str,
                owner: str | None) -> dict[tuple[str, str], tuple[str, Glossary]]:
        """Under the caller's write lock: the glossary's dictionaries by pair, each with its
        row id, read on that connection (so what is changed is what was read)."""
        if any(d.glossary_id == glossary_id for d in self.server):
            raise InvalidGlossary("a server-wide glossary cannot be changed through the API",
                                  code="glossary_read_only",
                                  details={"glossary_id": glossary_id})
        if unpaired_surrogate(glossary_id):
            raise GlossaryNotFound("no such glossary", details={"glossary_id": glossary_id})
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(f"SELECT {_COLUMNS} FROM glossaries WHERE group_id = ? AND "
                            "owner IS ? ORDER BY rowid", (glossary_id, owner)).fetchall()
        if not rows:
            raise GlossaryNotFound("no such glossary", details={"glossary_id": glossary_id})
        return {(r[2], r[3]): (r[0], _row(r)) for r in rows}

    def delete(self, glossary_id: str, owner: str | None = None) -> None:
        with self._connect() as conn:
            self._locked(conn, glossary_id, owner)
            conn.execute("DELETE FROM glossaries WHERE group_id = ? AND owner IS ?",
                         (glossary_id, owner))

    def put_dictionary(self, glossary_id: str, dictionary: DictionaryInput, *,
                       owner: str | None = None, merge: bool = False) -> Glossary:
        """Replace (or, with ``merge``, update and add to) the entries of one dictionary,
        or add the dictionary when the glossary has none of its pair."""
        group = self.edit(glossary_id, [dictionary], owner=owner, merge=merge)
        made = group.dictionary(*check_pair(dictionary[0], dictionary[1]))
        assert made is not None
        return made

    def edit(self, glossary_id: str, dictionaries: Sequence[DictionaryInput] = (), *,
             name: str | None = None, owner: str | None = None,
             merge: bool = False) -> GlossaryGroup:
        """Change a glossary at once or not at all: its name, and each dictionary's entries
        replaced (or, with ``merge``, updated and added to; a pair it lacks is added). Every
        entry and the caps are checked before anything is written."""
        name = _check_name(name) if name is not None else None
        parsed = [self._parse(*d) for d in dictionaries]
        pairs = [(s, t) for s, t, _ in parsed]
        if len(set(pairs)) != len(pairs):
            raise InvalidGlossary("a glossary has one dictionary per language pair",
                                  code="duplicate_glossary_dictionary")
        with self._connect() as conn:
            held = self._locked(conn, glossary_id, owner)
            first = next(iter(held.values()))[1]
            title = name if name is not None else first.name
            added = 0
            for source_lang, target_lang, entries in parsed:
                row_id, before = held.get((source_lang, target_lang), (None, None))
                if merge and before is not None:
                    entries = tuple({**dict(before.entries), **dict(entries)}.items())
                    if len(entries) > MAX_ENTRIES:
                        raise InvalidGlossary(f"a dictionary holds at most {MAX_ENTRIES} "
                                              "entries", code="too_many_glossary_entries")
                added += len(entries) - (len(before.entries) if before is not None else 0)
                held[(source_lang, target_lang)] = (
                    row_id or str(uuid.uuid4()),
                    Glossary(glossary_id, title, source_lang, target_lang, entries,
                             first.creation_time, owner))
            self._check_caps(conn, owner, new_glossary=False, entries_added=added)
            conn.execute("DELETE FROM glossaries WHERE group_id = ? AND owner IS ?",
                         (glossary_id, owner))
            written = []
            for row_id, d in held.values():
                written.append(dataclasses.replace(d, name=title))
                self._insert(conn, written[-1], row_id)
            return _groups(written)[0]

    def delete_dictionary(self, glossary_id: str, source_lang: str, target_lang: str,
                          owner: str | None = None) -> None:
        """Remove one dictionary; removing a glossary's last removes the glossary."""
        source_lang, target_lang = check_pair(source_lang, target_lang)
        with self._connect() as conn:
            if (source_lang, target_lang) not in self._locked(conn, glossary_id, owner):
                raise GlossaryNotFound(f"glossary {glossary_id!r} has no {source_lang}->"
                                       f"{target_lang} dictionary",
                                       details={"glossary_id": glossary_id})
            conn.execute("DELETE FROM glossaries WHERE group_id = ? AND owner IS ? AND "
                         "source_lang = ? AND target_lang = ?",
                         (glossary_id, owner, source_lang, target_lang))

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
        mine: builtins.list[Glossary] = []
        if self._has_db() and not unpaired_surrogate(ref):
            # Only the rows named: a request's cost does not grow with the key's glossaries.
            with self._connect() as conn:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM glossaries WHERE owner IS ? AND "
                                    "(group_id = ? OR name = ?) ORDER BY creation_time, rowid",
                                    (owner, ref, ref)).fetchall()
            mine = [_row(r) for r in rows]
        by_pair: dict[tuple[str, str], Glossary] = {}
        for g in mine:  # in creation order: the newest of each pair wins
            by_pair[(g.source_lang, g.target_lang)] = g
        return list(by_pair.values())


def _check_name(name: str) -> str:
    if isinstance(name, str) and unpaired_surrogate(name):
        raise MalformedRequest("name contains an unpaired UTF-16 surrogate",
                               code="invalid_encoding", details={"field": "name"})
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > _MAX_NAME:
        raise InvalidField("name", f"a glossary name is 1 to {_MAX_NAME} characters",
                           code="invalid_glossary_name")
    return name


def _add_groups(conn: sqlite3.Connection) -> None:
    """A database from before glossaries had several dictionaries: each row its own
    glossary. Under the write lock, so that processes opening it together change it once."""
    conn.execute("BEGIN IMMEDIATE")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(glossaries)")}
    if "group_id" not in columns:
        conn.execute("ALTER TABLE glossaries ADD COLUMN group_id TEXT")
        conn.execute("UPDATE glossaries SET group_id = id")
    conn.execute("CREATE INDEX IF NOT EXISTS glossaries_group ON glossaries (group_id)")
    conn.commit()


def _row(row: tuple[Any, ...]) -> Glossary:
    _, name, src, tgt, entries, created, owner, group_id = row
    return Glossary(group_id, name, src, tgt, tuple((s, t) for s, t in json.loads(entries)),
                    created, owner)


def policy(glossaries: list[Glossary], inline: Mapping[str, str] | None, pair: tuple[str, str],
           name: str | None = None, matchers: Matchers | None = None) -> GlossaryPolicy:
    """One request's glossary: the named glossaries' dictionaries, with the inline entries
    (for ``pair``, the request's main translation direction) added over them; their
    matchers from ``matchers`` (the store's) where given."""
    by_pair = {(g.source_lang, g.target_lang): dict(g.entries) for g in glossaries}
    if inline:
        by_pair[pair] = {**by_pair.get(pair, {}), **dict(check_entries(inline))}
    make = matchers.terms if matchers is not None else Terms
    return GlossaryPolicy(tuple(make(s, t, tuple(e.items()), name)
                                for (s, t), e in by_pair.items()), name)
