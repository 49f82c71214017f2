"""What the pipeline is handed: the glossary entries that apply to one request, frozen.

Matching is on whole words: a term never matches inside a longer word. It ignores case,
except for a term written all in capitals (an acronym such as "BI" must not match "bi"),
and any run of whitespace in a term matches any run in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache


def term_pattern(term: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in term.split())
    flags = 0 if term.isupper() else re.IGNORECASE
    return re.compile(rf"(?<!\w){body}(?!\w)", flags)


def count(term: str, text: str) -> int:
    return len(term_pattern(term).findall(text))


def count_exact(term: str, text: str) -> int:
    body = r"\s+".join(re.escape(part) for part in term.split())
    return len(re.findall(rf"(?<!\w){body}(?!\w)", text))


def replace(term: str, text: str, new: str) -> str:
    return term_pattern(term).sub(lambda _: new, text)


def _key(text: str, exact: bool) -> tuple[bool, str]:
    flat = " ".join(text.split())
    return exact, flat if exact else flat.casefold()


@dataclass(frozen=True)
class _Matcher:
    finder: re.Pattern[str]  # every entry's source term, longest first, as whole words
    # Each entry by the text it matches, whitespace collapsed: an acronym's exactly, any
    # other's case-folded; the first in order (longest first) wins a tie.
    index: dict[tuple[bool, str], tuple[str, str]]


@lru_cache(maxsize=32)
def _matcher(entries: tuple[tuple[str, str], ...]) -> _Matcher:
    """Built once per glossary content (compiling 10,000 terms takes a quarter of a CPU
    second), shared by every request that uses the same entries."""
    alternatives = []
    index: dict[tuple[bool, str], tuple[str, str]] = {}
    for entry in entries:
        source = entry[0]
        body = r"\s+".join(re.escape(p) for p in source.split())
        alternatives.append(body if source.isupper() else f"(?i:{body})")
        index.setdefault(_key(source, source.isupper()), entry)
    finder = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    return _Matcher(finder, index)


@dataclass(frozen=True)
class Terms:
    """The entries of one language pair, longest source first (a longer term wins where two
    overlap: "Menteri Perindustrian" before "Perindustrian")."""

    source_lang: str
    target_lang: str
    entries: tuple[tuple[str, str], ...]
    name: str | None = None  # the glossary's name; None for inline entries alone

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.entries, key=lambda e: (-len(e[0]), e[0])))
        object.__setattr__(self, "entries", ordered)

    @cached_property
    def _matcher(self) -> _Matcher | None:
        return _matcher(self.entries) if self.entries else None

    def _entry(self, matched: str) -> tuple[str, str] | None:
        """The entry a match of the finder is: an acronym written as matched first, then a
        term in any case (a dictionary lookup, whatever the glossary's size)."""
        assert self._matcher is not None
        index = self._matcher.index
        return index.get(_key(matched, True)) or index.get(_key(matched, False))

    @property
    def _finder(self) -> re.Pattern[str] | None:
        return self._matcher.finder if self._matcher is not None else None

    def occurrences(self, text: str) -> dict[tuple[str, str], int]:
        """How often each entry's source term occurs in ``text`` (non-overlapping, longest
        first), for the entries that occur."""
        found: dict[tuple[str, str], int] = {}
        if self._finder is None:
            return found
        for m in self._finder.finditer(text):
            entry = self._entry(m.group(0))
            if entry is not None:
                found[entry] = found.get(entry, 0) + 1
        return found

    def substitute(self, text: str) -> str:
        """``text`` with every source term replaced by its target."""
        if self._finder is None:
            return text

        def target(m: re.Match[str]) -> str:
            entry = self._entry(m.group(0))
            return entry[1] if entry is not None else m.group(0)

        return self._finder.sub(target, text)


@dataclass(frozen=True)
class GlossaryPolicy:
    """The glossary of one request: a dictionary per language pair it covers."""

    dictionaries: tuple[Terms, ...]
    name: str | None = None

    def for_pair(self, source: str, target: str) -> Terms | None:
        for terms in self.dictionaries:
            if (terms.source_lang, terms.target_lang) == (source, target) and terms.entries:
                return terms
        return None

    @property
    def entry_count(self) -> int:
        return sum(len(t.entries) for t in self.dictionaries)
