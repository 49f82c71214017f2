"""What the pipeline is handed: the glossary entries that apply to one request, frozen.

Matching is on whole words: a term never matches inside a longer word. It ignores case,
except for a term written all in capitals (an acronym such as "BI" must not match "bi"),
and any run of whitespace in a term matches any run in the text.

What a match is, is defined by one regular expression: every entry's whole-word pattern
(:func:`term_pattern`) as alternatives in the entries' order, longest source first, found
left to right without overlap (the first alternative that matches at the leftmost position
wins). A glossary is not matched with that expression, whose cost grows with the number of
entries at every character of the text: an Aho-Corasick automaton of the terms, folded
(:func:`fold`), finds in one pass the few entries that may match where, and only those are
tried, each with its own pattern, in the same order, so the result is the expression's.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import ahocorasick

from service.overload import Deadline

Entry = tuple[str, str]

# The characters other than ASCII that re's IGNORECASE matches to an ASCII character
# (tests/test_glossary_terms.py checks the list against re itself).
ASCII_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
# Every character re's \s matches (str.isspace(): none lies above U+3000).
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_FOLD_TABLE = {ord(c): v for c, v in ASCII_FOLDS.items()} | {ord(c): " " for c in _SPACES}
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_SPACE_RUN = re.compile(" {2,}")
# The deadline is read once per this many candidate matches.
_CHECK_EVERY = 256


def term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(_pattern_text(term))


def _pattern_text(term: str) -> str:
    body = r"\s+".join(re.escape(part) for part in term.split())
    return rf"(?<!\w){body}(?!\w)" if term.isupper() else rf"(?i)(?<!\w){body}(?!\w)"


def count(term: str, text: str) -> int:
    return len(term_pattern(term).findall(text))


def count_exact(term: str, text: str) -> int:
    body = r"\s+".join(re.escape(part) for part in term.split())
    return len(re.findall(rf"(?<!\w){body}(?!\w)", text))


def replace(term: str, text: str, new: str) -> str:
    return term_pattern(term).sub(lambda _: new, text)


def fold(text: str) -> str:
    """``text`` made coarser, so that wherever a term's pattern matches, the term folded is
    found in the text folded: ASCII letters in lower case, the few other characters that
    match one of them as that letter, any other non-ASCII character as NUL (all of them
    alike: re's own case rules among them need not be known), a run of whitespace as one
    space. One character for one, except the runs of whitespace."""
    flat = _NOT_ASCII.sub("\0", text.translate(_FOLD_TABLE)).lower()
    return _SPACE_RUN.sub(" ", flat)


def _key(text: str, exact: bool) -> tuple[bool, str]:
    flat = " ".join(text.split())
    return exact, flat if exact else flat.casefold()


class Matcher:
    """The source terms of one dictionary (``entries``, in the order their alternatives are
    tried), as one automaton: built once, then shared by every request and thread that uses
    the same entries (it is not changed after it is built)."""

    def __init__(self, entries: tuple[Entry, ...]) -> None:
        self.entries = entries
        automaton: Any = ahocorasick.Automaton()
        by_key: dict[str, list[int]] = {}
        # Each entry by the text it matches, whitespace collapsed: an acronym's exactly, any
        # other's case-folded; the first in order (longest first) wins a tie.
        self.index: dict[tuple[bool, str], Entry] = {}
        for rank, entry in enumerate(entries):
            by_key.setdefault(fold(" ".join(entry[0].split())), []).append(rank)
            self.index.setdefault(_key(entry[0], entry[0].isupper()), entry)
        by_key.pop("", None)  # an empty term (never a valid entry) matches nothing
        for key, ranks in by_key.items():
            automaton.add_word(key, (len(key), tuple(ranks)))
        automaton.make_automaton()
        self._automaton = automaton
        # Each entry's pattern, compiled the first time it is tried (most never are).
        self._patterns: dict[int, re.Pattern[str]] = {}

    def _candidates(self, text: str, folded: str,
                    deadline: Deadline | None) -> list[tuple[int, int]]:
        """(start in ``text``, rank) of every entry whose folded term occurs in the folded
        text where it starts and ends at word boundaries of ``text``, in order."""
        # Where the folding shortened whitespace runs: (folded position, characters dropped
        # before it), to map a folded position back.
        starts: list[int] = []
        shifts: list[int] = []
        dropped = 0
        for m in re.finditer(r"\s{2,}", text):
            dropped += m.end() - m.start() - 1
            starts.append(m.end() - dropped)
            shifts.append(dropped)

        def origin(pos: int) -> int:
            i = bisect.bisect_right(starts, pos)
            return pos + (shifts[i - 1] if i else 0)

        found: list[tuple[int, int]] = []
        # Terms nested in terms ("a", "a a", "a a a", ...) can end many at one position.
        for n, (end, (length, ranks)) in enumerate(self._automaton.iter(folded), 1):
            if deadline is not None and n % _CHECK_EVERY == 0:
                deadline.check()
            start = origin(end - length + 1)
            stop = origin(end) + 1
            if (start and _word(text[start - 1])) or (stop < len(text) and _word(text[stop])):
                continue
            found.extend((start, rank) for rank in ranks)
        found.sort()
        return found

    def finditer(self, text: str, deadline: Deadline | None = None,
                 ) -> Iterator[tuple[re.Match[str], Entry | None]]:
        """The matches of the entries' alternation in ``text``, each with the entry it is
        (None where the match's text is no entry's, case-folded)."""
        if deadline is not None:
            deadline.check()
        pos = 0
        for n, (start, rank) in enumerate(self._candidates(text, fold(text), deadline), 1):
            if deadline is not None and n % _CHECK_EVERY == 0:
                deadline.check()
            if start < pos:
                continue
            pattern = self._patterns.get(rank)
            if pattern is None:
                pattern = self._patterns[rank] = term_pattern(self.entries[rank][0])
            m = pattern.match(text, start)
            if m is None:
                continue
            pos = m.end()
            yield m, self.lookup(m.group(0))

    def lookup(self, matched: str) -> Entry | None:
        """The entry a match is: an acronym written as matched first, then a term in any
        case (a dictionary lookup, whatever the glossary's size)."""
        return self.index.get(_key(matched, True)) or self.index.get(_key(matched, False))


def _word(char: str) -> bool:
    # re's \w for str patterns.
    return char.isalnum() or char == "_"


class Matchers:
    """The matchers of the dictionaries in use, each built once per content (a glossary's
    version: an edit gives it other entries) and kept for the requests after, the most
    recently used ``size`` of them. Owned by the glossary store; safe to share between
    threads."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._built: OrderedDict[tuple[Entry, ...], Matcher] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, entries: tuple[Entry, ...]) -> Matcher:
        with self._lock:
            found = self._built.get(entries)
            if found is not None:
                self._built.move_to_end(entries)
                return found
        made = Matcher(entries)  # outside the lock: building a large one takes a while
        with self._lock:
            found = self._built.setdefault(entries, made)
            self._built.move_to_end(entries)
            while len(self._built) > self.size:
                self._built.popitem(last=False)
        return found

    def terms(self, source_lang: str, target_lang: str, entries: tuple[Entry, ...],
              name: str | None = None) -> Terms:
        """A dictionary's :class:`Terms`, with the matcher of its entries from here."""
        made = Terms(source_lang, target_lang, entries, name)
        if made.entries:
            object.__setattr__(made, "matcher", self.get(made.entries))
        return made


@dataclass(frozen=True)
class Terms:
    """The entries of one language pair, longest source first (a longer term wins where two
    overlap: "Menteri Perindustrian" before "Perindustrian")."""

    source_lang: str
    target_lang: str
    entries: tuple[Entry, ...]
    name: str | None = None  # the glossary's name; None for inline entries alone

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.entries, key=lambda e: (-len(e[0]), e[0])))
        object.__setattr__(self, "entries", ordered)

    @cached_property
    def matcher(self) -> Matcher | None:
        """Built on first use unless :meth:`Matchers.terms` gave one already built."""
        return Matcher(self.entries) if self.entries else None

    def occurrences(self, text: str, deadline: Deadline | None = None,
                    ) -> dict[Entry, int]:
        """How often each entry's source term occurs in ``text`` (non-overlapping, longest
        first), for the entries that occur. Past ``deadline``: DeadlineExceeded."""
        found: dict[Entry, int] = {}
        if self.matcher is None:
            return found
        for _, entry in self.matcher.finditer(text, deadline):
            if entry is not None:
                found[entry] = found.get(entry, 0) + 1
        return found

    def substitute(self, text: str, deadline: Deadline | None = None) -> str:
        """``text`` with every source term replaced by its target."""
        if self.matcher is None:
            return text
        parts: list[str] = []
        done = 0
        for m, entry in self.matcher.finditer(text, deadline):
            if entry is not None:
                parts += [text[done:m.start()], entry[1]]
                done = m.end()
        return "".join([*parts, text[done:]])


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
