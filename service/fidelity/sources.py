"""The article as the trust checks read it: its cleaned Indonesian sentences, each with its
English translation where the strategy made one, its numbers, and its words glossed into
English through the lexicon. Built once per summary and shared by attribution and fidelity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from service.fidelity.lexicon import Lexicon, load_lexicon, load_name_words
from service.fidelity.numbers import Quantity, extract_quantities
from service.fidelity.words import Word, is_stopword, normal, spelling_keys, stem, words
from service.text.segment import split_sentences


@dataclass(frozen=True)
class Position:
    """One source word: the English words it may stand for, whole (``names``) and as short
    stems (``stems``); an English word stands for itself."""

    word: Word
    names: frozenset[str]
    stems: frozenset[str]


@dataclass(frozen=True)
class Side:
    """One language's text of a source sentence."""

    lang: str  # "id" | "en"
    text: str
    positions: tuple[Position, ...]
    quantities: tuple[Quantity, ...]


@dataclass(frozen=True)
class SourceSentence:
    index: int
    text: str  # the Indonesian sentence
    sides: tuple[Side, ...]  # Indonesian first, then its English translation when there is one

    @cached_property
    def bag(self) -> frozenset[str]:
        """Every English stem the sentence's words stand for (read for each claim: kept)."""
        return frozenset(s for side in self.sides for p in side.positions for s in p.stems)

    @cached_property
    def wide_bag(self) -> frozenset[str]:
        """The bag with every stem a dictionary lends the sentence's words: for placing a
        name, where a word missed costs more than a sense too many."""
        return self.bag | frozenset(stem(n) for side in self.sides for p in side.positions
                                    for n in p.names if n[:1] not in "~^" and not is_stopword(n))

    @property
    def quantities(self) -> tuple[Quantity, ...]:
        return tuple(q for side in self.sides for q in side.quantities)

    @property
    def english(self) -> str | None:
        return next((s.text for s in self.sides if s.lang == "en"), None)


def _side(text: str, lang: str, lexicon: Lexicon, name_words: Lexicon | None = None) -> Side:
    found = words(text)
    folded = [w.folded for w in found]
    none: list[frozenset[str]] = [frozenset()] * len(found)
    glosses = lexicon.gloss_words(folded) if lang == "id" else none
    also = name_words.gloss_words(folded) if lang == "id" and name_words else none
    positions = []
    for w, english, more in zip(found, glosses, also, strict=True):
        meant = frozenset({normal(w.folded)} | {normal(e) for e in english})
        stems = frozenset(stem(n) for n in meant if not is_stopword(n))
        names = meant | {normal(e) for e in more}
        if lang == "id" and w.text[:1].isupper():
            names |= spelling_keys(w.folded)  # transliteration keys: never English words
        positions.append(Position(w, names, stems))
    return Side(lang, text, tuple(positions), tuple(extract_quantities(text, lang)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Sources:
    sentences: tuple[SourceSentence, ...]
    # English of the article not aligned with its sentences (an English original whose
    # paragraphs do not line up): names and numbers in it still count, attribution ignores it.
    loose: tuple[Side, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(s.text for s in self.sentences)

    @property
    def has_english(self) -> bool:
        return any(len(s.sides) > 1 for s in self.sentences)

    @cached_property
    def frequency(self) -> Counter[str]:
        """How many of the sentences each English stem is in."""
        return Counter(k for s in self.sentences for k in s.bag)


def build_sources(sentences: Sequence[str], english: Sequence[str | None] | None = None,
                  loose_english: str | None = None,
                  lexicon: Lexicon | None = None) -> Sources:
    """``english[i]`` translates ``sentences[i]`` (None where nothing does)."""
    lex = lexicon or load_lexicon()
    name_words = load_name_words() if lexicon is None else None
    if english is not None and len(english) != len(sentences):
        raise ValueError(f"{len(english)} translations for {len(sentences)} sentences")
    built = []
    for i, text in enumerate(sentences):
        sides = [_side(text, "id", lex, name_words)]
        en = english[i] if english is not None else None
        if en:
            sides.append(_side(en, "en", lex))
        built.append(SourceSentence(i, text, tuple(sides)))
    loose = tuple(_side(s, "en", lex) for s in split_sentences(loose_english, "en")
                  ) if loose_english else ()
    return Sources(tuple(built), loose)


def _paragraphs(text: str) -> list[str]:
    return [p for p in (" ".join(b.split()) for b in text.split("\n\n")) if p]


def sources_from_text(article: str | Sequence[str],
                      english: str | Sequence[str | None] | None = None) -> Sources:
    """Sources from whole texts: the article split into sentences; an English text aligned
    sentence by sentence where the two split alike, paragraph by paragraph where their
    paragraphs line up, and kept loose otherwise."""
    if not isinstance(article, str):
        return build_sources(list(article), None if english is None or isinstance(english, str)
                             else list(english), english if isinstance(english, str) else None)
    if english is None or not isinstance(english, str):
        return build_sources(split_sentences(article, "id"),
                             list(english) if english is not None else None)
    id_paras, en_paras = _paragraphs(article), _paragraphs(english)
    if len(id_paras) != len(en_paras):
        return build_sources(split_sentences(article, "id"), None, english)
    sentences: list[str] = []
    aligned_en: list[str | None] = []
    for id_para, en_para in zip(id_paras, en_paras, strict=True):
        id_s, en_s = split_sentences(id_para, "id"), split_sentences(en_para, "en")
        sentences += id_s
        aligned_en += en_s if len(id_s) == len(en_s) else [en_para] * len(id_s)
    return build_sources(sentences, aligned_en)
