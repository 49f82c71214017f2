"""Glossary matching (service/glossary/terms.py): the automaton finds exactly what the
entries' alternation regex finds, on random glossaries and texts full of case, whitespace
and word-boundary traps; a passed deadline stops it; matchers are built once per content."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import pytest

from service.errors import DeadlineExceeded
from service.glossary.terms import (
    _SPACES,
    ASCII_FOLDS,
    Entry,
    Matcher,
    Matchers,
    Terms,
    _key,
)
from service.overload import Deadline


def reference(terms: Terms, text: str) -> list[tuple[int, int, Entry | None]]:
    """The definition, read the plain way: one alternation of every entry's whole-word
    pattern, longest source first, found left to right; each match's entry by its text (an
    acronym's exactly, any other's case-folded, the first in order of a key)."""
    alternatives = []
    index: dict[tuple[bool, str], Entry] = {}
    for source, target in terms.entries:
        body = r"\s+".join(re.escape(p) for p in source.split())
        alternatives.append(body if source.isupper() else f"(?i:{body})")
        index.setdefault(_key(source, source.isupper()), (source, target))
    finder = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    return [(m.start(), m.end(),
             index.get(_key(m.group(0), True)) or index.get(_key(m.group(0), False)))
            for m in finder.finditer(text)]


def found(terms: Terms, text: str) -> list[tuple[int, int, Entry | None]]:
    assert terms.matcher is not None
    return [(m.start(), m.end(), entry) for m, entry in terms.matcher.finditer(text)]


# Letters that re's case rules treat specially (dotted and dotless i, long s, the Kelvin
# sign, sharp s, final sigma), accents, digits, underscore and punctuation at word edges.
LETTERS = "aAbBiIİısSſkKKßẞσΣςéÉ_1"
EDGES = "-.()'"
SPACES = [" ", "  ", "\t", "\n", "\u00a0", "\u3000", " \n "]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 4)))


def _variant(rng: random.Random, term: str) -> str:
    """``term`` as a text may write it: another case, other whitespace, an edge."""
    parts = term.split()
    parts = [rng.choice([p, p.upper(), p.lower(), p.swapcase(), p.title()]) for p in parts]
    out = parts[0]
    for p in parts[1:]:
        out += rng.choice(SPACES) + p
    return rng.choice(["", "", rng.choice(EDGES), _word(rng)]) + out


@pytest.mark.parametrize("seed", range(400))
def test_the_automaton_finds_what_the_alternation_finds(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = [_word(rng) for _ in range(rng.randint(2, 12))]
    entries: dict[str, str] = {}
    for n in range(rng.randint(1, 25)):
        term = " ".join(rng.choice(vocabulary) for _ in range(rng.choice([1, 1, 2, 3])))
        term = rng.choice([term, term, term.upper(), term.title(),
                           rng.choice(EDGES) + term, term + rng.choice(EDGES)])
        entries.setdefault(" ".join(term.split()), f"t{n}")
    terms = Terms("id", "en", tuple(entries.items()))
    pieces = []
    for _ in range(rng.randint(0, 30)):
        pieces.append(rng.choice([_variant(rng, rng.choice(list(entries))), _word(rng),
                                  rng.choice(EDGES)]))
        pieces.append(rng.choice([*SPACES, "", "", ",", "_"]))
    text = "".join(pieces)
    assert found(terms, text) == reference(terms, text), (entries, text)
    counted: dict[Entry, int] = {}
    for _, _, entry in reference(terms, text):
        if entry is not None:
            counted[entry] = counted.get(entry, 0) + 1
    assert terms.occurrences(text) == counted


def test_the_property_test_sees_matches() -> None:
    """The random cases above are not vacuous: most texts hold several matches."""
    holding = 0
    for seed in range(50):
        rng = random.Random(seed)
        term = " ".join(_word(rng) for _ in range(2))
        text = f"x {_variant(rng, term)} y"
        terms = Terms("id", "en", ((term, "T"),))
        holding += bool(reference(terms, text))
        assert found(terms, text) == reference(terms, text)
    assert holding >= 25


@pytest.mark.parametrize(("entries", "text", "expected"), [
    # a longer term wins where two overlap; whitespace runs of any kind match
    ((("Menteri Perindustrian", "Minister of Industry"), ("Perindustrian", "industry")),
     "menteri\n\u00a0perindustrian dan Perindustrian", ["Menteri Perindustrian",
                                                        "Perindustrian"]),
    # an acronym matches only as written; another term in any case
    ((("BI", "BI (central bank)"), ("bi", "bi-word")), "BI Bi bi bI", ["BI", "bi", "bi", "bi"]),
    ((("BI", "BI (central bank)"),), "Bi bi BIBI xBI BI_ BI.", ["BI"]),
    # never inside a longer word, digits and underscore included
    ((("kota", "city"),), "kotamadya sekota kota_ kota1 (kota) kota-kota",
     ["kota", "kota", "kota"]),
    # re's own case rules: long s, the Kelvin sign, dotless and dotted i match their ASCII
    # letters; where the text matched, case-folded, is no entry's, it names none
    ((("kasih", "love"),), "KAſIH \u212aasıh kasİh", ["kasih", None, None]),
])
def test_matching_rules(entries: tuple[Entry, ...], text: str, expected: list[str]) -> None:
    terms = Terms("id", "en", entries)
    assert [e[0] if e else None for _, _, e in found(terms, text)] == expected
    assert found(terms, text) == reference(terms, text)


def test_substitute_replaces_each_match_by_its_target() -> None:
    terms = Terms("id", "en", (("Bank  Indonesia", "Bank Indonesia (central bank)"),
                               ("BI", "BI (central bank)"), ("bi", "bi-word")))
    assert (terms.substitute("Kata BI dan bi serta bank\nindonesia.")
            == "Kata BI (central bank) dan bi-word serta Bank Indonesia (central bank).")


def test_the_folding_tables_are_res_own() -> None:
    """ASCII_FOLDS is every non-ASCII character re's IGNORECASE matches to an ASCII one, and
    _SPACES every character \\s matches: were a Python release to change either, matches
    would be missed, and this fails first."""
    everything = "".join(map(chr, range(0x110000)))
    folds = {}
    for char in re.findall(r"(?i)[\x00-\x7f]", everything[0x80:]):
        folds[char] = "".join(c for c in map(chr, range(0x80)) if re.fullmatch(
            "(?i)" + re.escape(c), char)).lower()[0]
    assert folds == ASCII_FOLDS
    assert "".join(re.findall(r"\s", everything)) == _SPACES


def test_a_passed_deadline_stops_matching() -> None:
    entries = tuple((f"kata{i}", f"word{i}") for i in range(2000))
    terms = Terms("id", "en", entries)
    text = " ".join(f"kata{i % 2000}" for i in range(5000))
    with pytest.raises(DeadlineExceeded):
        terms.occurrences(text, Deadline.after(-1))
    with pytest.raises(DeadlineExceeded):
        terms.substitute(text, Deadline.after(-1))

    class Expiring(Deadline):
        """A deadline that passes after a few checks: matching checks it as it goes, not
        only when it starts."""

        checks = 0

        def check(self) -> None:
            self.checks += 1
            if self.checks > 3:
                super().check()

        def remaining(self) -> float:
            return -1.0

    deadline = Expiring(time.monotonic() + 60, 60)
    with pytest.raises(DeadlineExceeded):
        terms.occurrences(text, deadline)
    assert deadline.checks > 3
    assert sum(terms.occurrences(text, Deadline.after(60)).values()) == 5000


def test_a_matcher_is_built_once_per_content() -> None:
    matchers = Matchers(size=2)
    a = matchers.terms("id", "en", (("kota", "city"), ("desa", "village")))
    b = matchers.terms("id", "en", (("desa", "village"), ("kota", "city")))
    assert a.matcher is b.matcher  # the same entries, in whatever order given
    c = matchers.terms("id", "en", (("kota", "town"),))
    assert c.matcher is not a.matcher
    matchers.terms("id", "en", (("pasar", "market"),))
    assert matchers.terms("id", "en", (("kota", "city"), ("desa", "village"))).matcher \
        is not a.matcher  # the least recently used went first
    assert isinstance(a.matcher, Matcher)


def test_the_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """tests/tools/glossary_bench.py (its figures are in docs/glossaries.md) still runs and
    still checks the automaton against the alternation; its timings are not judged here."""
    from tests.tools import glossary_bench

    assert glossary_bench.main(["--entries", "300", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "(450 occurrences)" in out and "cpu" in out and "wall" in out


def test_nested_terms_are_bounded_by_the_deadline() -> None:
    """Terms nested in one another ("a", "a a", "a a a", ...) end by the hundreds at each
    position of such a text: the deadline is read while they are gathered too."""
    terms = Terms("id", "en", tuple((" ".join(["a"] * n), f"t{n}") for n in range(1, 400)))
    text = " ".join(["a"] * 2000)

    class Counting(Deadline):
        checks = 0

        def check(self) -> None:
            self.checks += 1
            if self.checks > 2:
                raise DeadlineExceeded("passed")

    matcher = terms.matcher
    assert matcher is not None
    automaton = matcher._automaton
    read: list[object] = []

    class Reading:
        """The automaton, counting the matches it hands out."""

        def iter(self, folded: str) -> Any:
            for hit in automaton.iter(folded):
                read.append(hit)
                yield hit

    total = sum(1 for _ in automaton.iter(" ".join(["a"] * 2000)))
    matcher._automaton = Reading()
    with pytest.raises(DeadlineExceeded):
        terms.occurrences(text, Counting(time.monotonic() + 60, 60))
    assert len(read) < total / 100  # stopped while gathering, long before the end
    matcher._automaton = automaton
    found = terms.occurrences(text)
    assert found == {(" ".join(["a"] * 399), "t399"): 5, (" ".join(["a"] * 5), "t5"): 1}
