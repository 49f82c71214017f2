"""What the pipeline is handed: the glossary entries that apply to one request, frozen.

Matching is on whole words: a term never matches inside a longer word. It ignores case,
except for a term written all in capitals (an acronym such as "BI" must not match "bi"),
and any run of whitespace in a term matches any run in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


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
    def _finder(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        alternatives = []
        for source, _ in self.entries:
            body = r"\s+".join(re.escape(p) for p in source.split())
            alternatives.append(body if source.isupper() else f"(?i:{body})")
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")

    def occurrences(self, text: str) -> dict[tuple[str, str], int]:
        """How often each entry's source term occurs in ``text`` (non-overlapping, longest
        first), for the entries that occur."""
        found: dict[tuple[str, str], int] = {}
        if self._finder is None:
            return found
        for m in self._finder.finditer(text):
            for entry in self.entries:
                if term_pattern(entry[0]).fullmatch(m.group(0)):
                    found[entry] = found.get(entry, 0) + 1
                    break
        return found

    def substitute(self, text: str) -> str:
        """``text`` with every source term replaced by its target."""
        if self._finder is None:
            return text

        def target(m: re.Match[str]) -> str:
            for source, tgt in self.entries:
                if term_pattern(source).fullmatch(m.group(0)):
                    return tgt
            return m.group(0)

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
