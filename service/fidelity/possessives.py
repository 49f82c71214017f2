"""Whose is it: "Chile's government", "Toyota's production line". A possessive in a summary
says that the name and the thing it owns are spoken of together; where the article never
has the one near the other, and gives the thing to another owner ("pemerintah Bolivia"),
the thing was given to the wrong owner ("Chile's government").
"""

from __future__ import annotations

import re

from service.fidelity.entities import TITLES
from service.fidelity.names import Name, find_spans
from service.fidelity.sources import Side, Sources, SourceSentence
from service.fidelity.words import is_stopword, normal, stem, words

_POSSESSIVE = re.compile(r"['’]s$")
# The owned thing: the first few words after the possessive, up to a function word or a
# break ("Bolivia's charismatic indigenous president").
OWNED_WORDS = 3
# How near the thing must stand to its owner in an article's sentence, in words, either side
# ("pemerintah Bolivia", "the Bolivian government's representative").
NEAR = 6
_BREAK = re.compile(r"[,.;:!?\"“”()]")


def owned(text: str, name: Name) -> list[str]:
    """The stems of what ``name`` owns in ``text`` ("Chile's government" -> "gover"); empty
    where it is no possessive."""
    if not _POSSESSIVE.search(name.text):
        return []
    rest = text[name.end:]
    cut = _BREAK.search(rest)
    out: list[str] = []
    for w in words(rest[:cut.start()] if cut else rest):
        if not w.text.islower() or is_stopword(w.folded) or w.folded.isdigit():
            break
        out.append(stem(normal(w.folded)))
        if len(out) == OWNED_WORDS:
            break
    return out


def _stems(sentence: SourceSentence) -> list[tuple[int, int, frozenset[str]]]:
    return [(k, n, frozenset(stem(x) for x in p.names if x[:1] not in "~^"))
            for k, side in enumerate(sentence.sides) for n, p in enumerate(side.positions)]


# How far after an Indonesian common noun its owner stands ("pemerintah Bolivia", "wakil
# pemerintah Bolivia"), in words.
OWNER_AFTER = 2


def _other_owner(side: Side, n: int, name: Name) -> bool:
    """Whether the word at ``n`` is owned by another name: "pemerintah Bolivia" in
    Indonesian, "Bolivia's government" in English. A word of a capitalised name ("Badan
    Penanggulangan Bencana") is the name's own, not owned."""
    pos = side.positions
    word = pos[n].word.text
    if not word.islower():
        return False
    if side.lang == "id":
        after = pos[n + 1:n + 1 + OWNER_AFTER]
        owner = next((p for p in after if p.word.text[:1].isupper()), None)
        if owner is None or _BREAK.search(side.text[pos[n].word.end:owner.word.start]):
            return False  # "pemasoknya," kata Menteri: the sentence goes on to someone else
    else:
        if n == 0 or not _POSSESSIVE.search(pos[n - 1].word.text):
            return False
        owner = pos[n - 1]
        if not owner.word.text[:1].isupper():
            return False
    if owner.names & TITLES:
        return False  # "kata Menteri ...": a title, whoever holds it
    return not set(name.tokens) & {normal(x) for x in owner.names}


def owner_elsewhere(text: str, name: Name, sources: Sources) -> SourceSentence | None:
    """A sentence of the article that gives what ``name`` is said to own to another owner,
    when no sentence has it near ``name``; None otherwise."""
    things = set(owned(text, name))
    if not things:
        return None
    rival: SourceSentence | None = None
    for s in sources.sentences:
        stems = _stems(s)
        at = [(k, n) for k, n, keys in stems if keys & things]
        if not at:
            continue
        for k, side in enumerate(s.sides):
            for m in find_spans(name.tokens, side):
                if m.matched == len(name.tokens) and any(
                        side_k == k and m.first - NEAR <= n <= m.last + NEAR
                        for side_k, n in at):
                    return None
        # Another owner of the whole thing: "ekspor energi Rusia" owns no "energy supply".
        whole = all(any(t in keys for _, _, keys in stems) for t in things)
        if rival is None and whole and any(_other_owner(s.sides[k], n, name) for k, n in at):
            rival = s
    return rival
