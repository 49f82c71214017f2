"""A small Indonesian -> English lexicon, shipped as package data (``lexicon_id_en.tsv``),
and the light Indonesian stemmer that finds an affixed word's root in it.

Attribution and name matching read an Indonesian sentence as, per word, the set of English
words it may stand for; numbers and names carry most of the signal, the lexicon the rest.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from service.fidelity.entities import ALIASES, fold

LEXICON_FILE = "lexicon_id_en.tsv"
WIKDICT_FILE = "data/wikdict-id-en.tsv.gz"  # see service/fidelity/wikdict.py

_PARTICLES = ("lah", "kah", "tah", "pun", "nya", "ku", "mu")
_SUFFIXES = ("kan", "an", "i")
# Prefix -> what the root may start with once it is removed (nasal assimilation: "memp-"
# is "mem" + p, "meny-" is "meny" + s, "meng-" may drop a k).
_PREFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("memper", ("",)), ("diper", ("",)), ("meny", ("s",)), ("peny", ("s",)),
    ("meng", ("", "k")), ("peng", ("", "k")), ("mem", ("", "p")), ("pem", ("", "p")),
    ("men", ("", "t")), ("pen", ("", "t")), ("me", ("",)), ("pe", ("",)), ("ber", ("",)),
    ("be", ("",)), ("ter", ("",)), ("per", ("",)), ("di", ("",)), ("ke", ("",)),
    ("se", ("",)),
)


def root_candidates(word: str) -> list[str]:
    """``word`` and the roots it may have, most likely first ("pemulihan" -> "pulih")."""
    bases = [word]
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 3:
            bases.append(word[: -len(particle)])
    stems: list[str] = []
    for base in bases:
        stems.append(base)
        stems += [base[: -len(s)] for s in _SUFFIXES if base.endswith(s) and len(base) > len(s) + 2]
    out: list[str] = []
    for stem in stems:
        out.append(stem)
        for prefix, restore in _PREFIXES:
            if stem.startswith(prefix) and len(stem) - len(prefix) >= 3:
                out += [r + stem[len(prefix):] for r in restore]
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Lexicon:
    words: Mapping[str, frozenset[str]]  # folded Indonesian word -> folded English words
    phrases: Mapping[tuple[str, ...], frozenset[str]]  # several Indonesian words at once
    longest_phrase: int

    def glosses(self, word: str) -> frozenset[str]:
        """English words for one folded Indonesian word (its root's, if it is affixed)."""
        for candidate in root_candidates(word):
            found = self.words.get(candidate)
            if found:
                return found
        return frozenset()

    def gloss_words(self, words: Sequence[str]) -> list[frozenset[str]]:
        """Per word of a sentence (folded), the English words it may stand for; a phrase's
        English words belong to each of its words."""
        out = [self.glosses(w) for w in words]
        for size in range(2, self.longest_phrase + 1):
            for start in range(len(words) - size + 1):
                english = self.phrases.get(tuple(words[start:start + size]))
                if english:
                    for i in range(start, start + size):
                        out[i] = out[i] | english
        return out


def parse_lexicon(text: str, names: Iterable[tuple[tuple[str, ...], frozenset[str]]] = (),
                  ) -> Lexicon:
    """The lexicon file's entries, with ``names`` (a gazetteer's) added."""
    words: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        indonesian, _, english = line.partition("\t")
        key = tuple(fold(indonesian).split())
        glosses = {w for e in english.split(";") for w in fold(e).replace("-", " ").split()}
        target = words.setdefault(key[0], set()) if len(key) == 1 else phrases.setdefault(key,
                                                                                         set())
        target |= glosses
    for key, english_words in names:
        target = words.setdefault(key[0], set()) if len(key) == 1 else phrases.setdefault(
            key, set())
        target |= english_words
    # The entity aliases ("regency" is "kabupaten") are lexicon entries too, reversed.
    for english_word, indonesian_words in ALIASES.items():
        for w in indonesian_words:
            words.setdefault(w, set()).add(english_word)
    return Lexicon({k: frozenset(v) for k, v in words.items()},
                   {k: frozenset(v) for k, v in phrases.items()},
                   max((len(k) for k in phrases), default=1))


@cache
def load_lexicon() -> Lexicon:
    """The shipped lexicon with the gazetteer's names, read on first use (not at import)."""
    from service.fidelity.gazetteer import gazetteer

    text = resources.files("service.fidelity").joinpath(LEXICON_FILE).read_text(encoding="utf-8")
    return parse_lexicon(text, gazetteer())


@cache
def load_name_words() -> Lexicon:
    """WikDict's Indonesian words, read on first use: what a translated name's words may be
    ("Komite Kehakiman Senat" is the "Senate Judiciary Committee"). Names only: its many
    senses a word would lend every sentence would blur which sentence a claim is from."""
    data = resources.files("service.fidelity").joinpath(WIKDICT_FILE).read_bytes()
    return parse_lexicon(gzip.decompress(data).decode("utf-8"))
