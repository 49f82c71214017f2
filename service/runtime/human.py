"""Where the human translations come from: the TMX files of RINGKAS_TMX_DIR, read once
when the runtime is made (a file that cannot be read stops the start, naming it), and the
approved suggestions of the data dir's suggestions store, read again whenever their
approvals changed (a check of SQLite's data_version, microseconds, on every request; after
a write, a look at the approvals' index), so an approval (``ringkas suggestions approve``,
from any process) holds from the next request.

An approved suggestion wins over a TMX entry of the same sentence; among TMX files, read in
name order, a later entry wins; among suggestions, the last approved.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from service.config import ConfigError, Settings
from service.languages import PAIRS
from service.pipeline.human import HumanTranslation, HumanTranslations
from service.suggestions import Changes, SuggestionStore, SuggestionsUnavailable, store_path

log = logging.getLogger(__name__)

Item = tuple[str, str, str, HumanTranslation]  # source, target, source text, translation
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# TMX 1.4 writes xml:lang, 1.1 lang; codes as BCP 47 or a locale: id, id-ID, in, en_US, EN-GB.
_LANGUAGE = {"id": "id", "in": "id", "ind": "id", "en": "en", "eng": "en"}
# Inline elements whose content is the original's formatting codes, not text.
_CODES = {"bpt", "ept", "ph", "it", "ut"}


def tmx_language(code: str | None) -> str | None:
    """The service's language of a TMX language code ("EN-GB": "en"), None for another."""
    if not code:
        return None
    return _LANGUAGE.get(re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0])


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _segment_text(seg: Any) -> str:
    """A <seg>'s text: its inline formatting codes left out, highlighted runs kept."""
    parts = [seg.text or ""]
    for child in seg:
        if _local(child.tag) not in _CODES:
            parts.append(_segment_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_tmx(path: Path) -> list[Item]:
    """Every (source, target) pair of the service that a translation unit of ``path`` has
    both languages of, both ways; ConfigError naming the file when it is not TMX."""
    from translate.storage import tmx

    try:
        store = tmx.tmxfile.parsefile(str(path))
    except AssertionError:  # translate-toolkit's check of the root element
        raise ConfigError(f"RINGKAS_TMX_DIR: {path.name} is not a TMX file (its root "
                          "element is not <tmx>)", code="invalid_tmx",
                          details={"file": str(path)}) from None
    except Exception as exc:  # lxml's syntax errors, a file that cannot be read
        raise ConfigError(f"RINGKAS_TMX_DIR: {path.name} cannot be read as TMX "
                          f"({type(exc).__name__}: {_reason(exc)})", code="invalid_tmx",
                          details={"file": str(path)}) from None
    items: list[Item] = []
    for unit in store.units:
        texts: dict[str, str] = {}
        for tuv in unit.getlanguageNodes():
            lang = tmx_language(tuv.get(_XML_LANG) or tuv.get("lang"))
            seg = next((child for child in tuv if _local(child.tag) == "seg"), None)
            if lang is not None and seg is not None and lang not in texts:
                texts[lang] = _segment_text(seg)
        for source, target in sorted(PAIRS):
            if source in texts and target in texts:
                items.append((source, target, texts[source],
                              HumanTranslation(texts[target], "tmx", path.name)))
    return items


def _reason(exc: BaseException) -> str:
    """The parser's own words, cut short: where in the file, never much of its text."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:159] + "…"


def read_tmx_dir(directory: str) -> list[Item]:
    """The entries of every ``*.tmx`` file in ``directory``, in file name order."""
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise ConfigError(f"RINGKAS_TMX_DIR: {root} is not a directory", code="invalid_tmx",
                          details={"path": str(root)})
    files = sorted(p for p in root.iterdir() if p.suffix.lower() == ".tmx" and p.is_file())
    return [item for path in files for item in read_tmx(path)]


def _approved(store: SuggestionStore) -> Iterator[Item]:
    for sug in store.approved():
        if (sug.source, sug.target) in PAIRS:
            yield (sug.source, sug.target, sug.q,
                   HumanTranslation(sug.s, "suggestion", str(sug.id)))


class HumanSource:
    """The runtime's human translations: :meth:`current` is the pipeline's lookup, a new
    snapshot only when the approved suggestions may have changed."""

    def __init__(self, tmx: Iterable[Item], suggestions: Path | None) -> None:
        self._tmx = HumanTranslations.of(tmx)  # built once: approvals are laid over it
        self._path = suggestions
        self._lock = threading.Lock()
        self._store: SuggestionStore | None = None
        self._changes: Changes | None = None
        self._version: int | None = None
        self._state: tuple[int, str | None, int] | None = None
        self._snapshot = self._tmx

    @classmethod
    def from_settings(cls, settings: Settings) -> HumanSource:
        tmx_dir = settings.features.tmx_dir
        tmx = read_tmx_dir(tmx_dir) if tmx_dir else []
        return cls(tmx, store_path(settings.data_dir))

    def current(self) -> HumanTranslations:
        with self._lock:
            changes = self._watch()
            if changes is None or self._store is None:
                return self._snapshot
            try:
                version = changes.version()
                if version != self._version:
                    state = self._store.approval_state()
                    if state != self._state:
                        approved = list(_approved(self._store))
                        self._snapshot = HumanTranslations.of(approved, self._tmx)
                        self._state = state
                    self._version = version
            except (sqlite3.Error, OSError, SuggestionsUnavailable) as exc:
                # The translations go on with the entries read last; the next request tries
                # again.
                log.warning("approved suggestions cannot be read (%s); using those read "
                            "before", type(exc).__name__)
            return self._snapshot

    def _watch(self) -> Changes | None:
        """The store's change counter, once the store exists (it is made by the first
        suggestion: never here)."""
        if self._changes is None and self._path is not None and self._path.is_file():
            try:
                # A file of an earlier schema is brought up to date here, once.
                self._store = SuggestionStore(self._path)
                self._changes = Changes(self._path)
            except (sqlite3.Error, SuggestionsUnavailable) as exc:
                log.warning("approved suggestions cannot be read (%s)", type(exc).__name__)
        return self._changes
