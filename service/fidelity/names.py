"""Names checked as whole spans, with their titles: "Director General Reni Yanita" needs
"Reni Yanita" together in one sentence, with "Direktur Jenderal" just before it; "Ministry
of Trade" is not "Kementerian Perindustrian" even though the article has both "ministry"
(elsewhere) and "trade" (in another name)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.fidelity.entities import _ABBREVIATED_TITLES, TITLES, Mention, fold
from service.fidelity.sources import Side
from service.fidelity.words import is_stopword, normal, spelling_keys, words

SLACK = 3  # words a span may have beyond the name's own ("of", an acronym, a comma)
TITLE_REACH = 10  # how far before a name its title may stand ("Direktur IKM Kimia, ..., Budi")
APPOSITION_REACH = 4  # how far after it ("Donald Trump, Presiden AS,")
_WORD_BEFORE = re.compile(r"([A-Z][^\W\d_]*) $")
# Ranks and offices written before a name, besides those the entity finder knows.
_RANKS = frozenset({"captain", "capt", "lieutenant", "colonel", "commander", "sergeant",
                    "inspector", "admiral", "lifeguard", "officer", "major", "det",
                    "detective", "sgt", "lt", "col", "gen", "former", "late"})
_TITLES = frozenset(normal(t) for t in (TITLES - _ABBREVIATED_TITLES) | _RANKS)


@dataclass(frozen=True)
class Name:
    """A name in the summary: what must appear together, and the title given with it."""

    text: str
    tokens: tuple[str, ...]  # normalised, significant words
    titles: tuple[str, ...]  # normalised words of the title or role before it
    value: str  # the name's words, folded: what the report shows
    start: int
    end: int
    # Two names run together ("Paul Newman of RSM", "CNBC the US"): each part may stand
    # on its own when the whole does not. A one-word head stays whole ("Ministry of Trade").
    parts: tuple[tuple[str, ...], ...] = ()


def split_parts(tokens: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    parts: list[list[str]] = [[]]
    for t in tokens:
        if t == "the" or (t == "of" and len(parts[-1]) >= 2):
            parts.append([])
        elif t not in ("of", "for") and t not in _TITLES:
            parts[-1].append(t)
    found = tuple(tuple(p) for p in parts if p)
    return found if len(found) > 1 else ()


@dataclass(frozen=True)
class SpanMatch:
    side: Side
    first: int  # position indices, inclusive
    last: int
    matched: int  # how many of the name's tokens the span has


def names_in(summary: str, mentions: Sequence[Mention]) -> list[Name]:
    """The mentions as names; a role right before a name ("Industry Minister" + "Agus
    Gumiwang") is that name's title."""
    out: list[Name] = []
    i = 0
    while i < len(mentions):
        m = mentions[i]
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        own = [normal(w.folded) for w in words(m.text)]
        tokens = tuple(t for t in (normal(t) for t in m.tokens) if t not in _RANKS)
        titles = tuple(w for w in own if w in _TITLES)
        if (nxt is not None and own and own[-1] in _TITLES
                and summary[m.end:nxt.start].strip() == ""):
            role = tuple(w for w in own if w not in ("of", "the"))
            out.append(Name(summary[m.start:nxt.end], tuple(normal(t) for t in nxt.tokens),
                            role + tuple(w for w in (normal(x.folded) for x in words(nxt.text))
                                         if w in _TITLES), " ".join(nxt.tokens), m.start,
                            nxt.end))
            i += 2
            continue
        value = " ".join(m.tokens)
        if titles and own[0] in _TITLES:
            # "Industry Minister Agus": a sentence's first word is dropped as ordinary, but
            # it is the title's.
            before = _WORD_BEFORE.search(summary[:m.start])
            if before and not is_stopword(fold(before.group(1))):
                titles = (normal(fold(before.group(1))), *titles)
        if not tokens:
            tokens, titles = tuple(own), ()
        out.append(Name(m.text, tokens, titles, value, m.start, m.end, split_parts(own)))
        i += 1
    return out


def find_spans(tokens: Sequence[str], side: Side) -> list[SpanMatch]:
    """Windows of ``side`` that hold every token (best partial windows when none does)."""
    pos = side.positions
    width = len(tokens) + SLACK
    found: list[SpanMatch] = []
    # Each token as written, or as its transliteration key where it has one.
    keys = [set(_bases(t)).union(*map(spelling_keys, _bases(t))) for t in tokens]
    for a, p in enumerate(pos):
        if not any(k & p.names for k in keys):
            continue
        window = pos[a:a + width]
        hits = [next((j for j, q in enumerate(window) if k & q.names), None) for k in keys]
        got = sorted({h for h in hits if h is not None})
        # Another capitalised word inside the span is another name: "Reni Yanita dan Budi
        # Setiawan" holds no "Reni Setiawan".
        intruder = next((k for k in range(got[-1]) if k not in got
                         and window[k].word.text[:1].isupper()), None)
        if intruder is not None:
            got = [k for k in got if k < intruder]
            hits = [h if h is not None and h < intruder else None for h in hits]
        found.append(SpanMatch(side, a, a + got[-1], sum(h is not None for h in hits)))
    return found


_ADJECTIVE = ("ian", "ean", "an", "ese", "ish", "i", "n")


def _bases(token: str) -> list[str]:
    """The token, and the name an English adjective of a place may come from ("Chilean":
    "Chile"), each to be met by its transliteration key."""
    out = [token]
    for suffix in _ADJECTIVE:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            out.append(token[:-len(suffix)])
    return out


def title_ok(titles: Iterable[str], match: SpanMatch) -> bool:
    """Every title word stands in the few words before the name, or inside its span."""
    window = match.side.positions[max(0, match.first - TITLE_REACH):
                                  match.last + 1 + APPOSITION_REACH]
    return all(any(t in p.names for p in window) for t in titles)


def source_title(match: SpanMatch) -> str | None:
    """The title the source gives the name, as written ("Direktur Jenderal IKMA"), if any."""
    pos = match.side.positions
    before = range(max(0, match.first - TITLE_REACH), match.first)
    first = next((k for k in before if pos[k].names & _TITLES), None)
    if first is None:
        return None
    text = match.side.text[pos[first].word.start:pos[match.first].word.start]
    return text.strip(" ,") or None


def span_text(match: SpanMatch) -> str:
    """The source's words around a (partial) match, widened to the capitalised run."""
    pos = match.side.positions
    a, b = match.first, match.last
    text = match.side.text

    def joined(left: int) -> bool:  # two words with only a space between them
        return text[pos[left].word.end:pos[left + 1].word.start].strip() == ""

    while a > 0 and pos[a - 1].word.text[:1].isupper() and joined(a - 1):
        a -= 1
    while b + 1 < len(pos) and pos[b + 1].word.text[:1].isupper() and joined(b):
        b += 1
    return match.side.text[pos[a].word.start:pos[b].word.end]


def folded(text: str) -> str:
    return " ".join(normal(w) for w in fold(text).split())
