"""Words of a sentence, as attribution compares them: folded, and cut to a short stem.

A five-letter prefix is a crude stemmer, but a deterministic one that serves both languages'
loanwords ("digital", "program") and English inflection alike ("centres"/"centre",
"imports"/"imported"); British and American spellings meet first ("centre" is "center").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.fidelity.entities import FUNCTION_WORDS, fold

STEM_LENGTH = 5
# Words that carry no claim of their own in a news summary (reporting verbs, fillers).
_STOPWORDS = FUNCTION_WORDS | frozenset(
    {
        "said", "says", "say", "told", "tell", "added", "stated", "according", "noted",
        "explained", "including", "include", "includes", "well", "while", "also", "both",
        "on", "part", "take", "took", "taken", "based", "has", "have", "had", "which", "it",
        "its", "other", "one", "two", "new", "yang", "dan", "di", "ke", "dari", "pada",
        "untuk", "dengan", "dalam", "ini", "itu", "atau", "serta", "bahwa", "oleh", "para",
        "akan", "telah", "sudah", "adalah", "sebagai", "secara", "tersebut", "juga", "yakni",
    }
)  # fmt: skip
# "U.S." is one word, "us"; otherwise runs of letters and digits, with a possessive.
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+(?:['’][st]\b)?")


@dataclass(frozen=True)
class Word:
    text: str
    folded: str
    start: int
    end: int

    @property
    def stem(self) -> str:
        return stem(self.folded)


def stem(folded: str) -> str:
    """The word's short stem: what bag-of-words attribution compares."""
    return normal(folded)[:STEM_LENGTH]


def normal(folded: str) -> str:
    """The word without plural -s, possessive, or British spelling ("centres" -> "center"):
    what names are compared by, whole."""
    word = re.sub(r"['’]s$", "", folded)
    if word.endswith("res") and len(word) > 5:
        word = word[:-3] + "er"  # centres -> center
    elif word.endswith("re") and len(word) > 4:
        word = word[:-2] + "er"  # centre -> center
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("mme"):
        word = word[:-2]  # programme -> program
    return word


def words(text: str) -> list[Word]:
    """Every word of ``text`` with its place; digits are words too."""
    return [Word(m.group(0), fold(m.group(0)).replace(".", ""), m.start(), m.end())
            for m in _WORD.finditer(text)]


def is_stopword(folded: str) -> bool:
    return folded in _STOPWORDS or (len(folded) < 2 and not folded.isdigit())


_SPELLINGS = (("ph", "f"), ("ch", "k"), ("ck", "k"), ("c", "k"), ("q", "k"), ("x", "ks"),
              ("y", "i"), ("oe", "u"), ("dj", "j"), ("th", "t"))


def skeleton(folded: str) -> str | None:
    """A name's spelling reduced to what Indonesian and English transliterations share
    ("Macedonia" and "Makedonia", "Chile" and "Chili" meet); None for a short word, whose
    skeleton would meet too many others."""
    word = folded
    for a, b in _SPELLINGS:
        word = word.replace(a, b)
    word = re.sub(r"(.)\1+", r"\1", word).rstrip("aeiou")
    return word if len(word) >= 4 and word.isalpha() else None


# A loanword keeps its stem and changes its ending ("institute" / "institusi", "navigation"
# / "navigasi", "consumer" / "konsumen"): a long skeleton's first letters meet it.
LOAN_STEM = 6


def spelling_keys(folded: str) -> frozenset[str]:
    """The keys a capitalised word meets its other language's spelling by: its skeleton,
    and the skeleton's stem where the skeleton is longer than one."""
    sk = skeleton(folded)
    if sk is None:
        return frozenset()
    keys = {"~" + sk}  # never an English word
    if len(sk) > LOAN_STEM:
        keys.add("^" + sk[:LOAN_STEM])
    return frozenset(keys)
