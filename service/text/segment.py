"""Sentence splitting (sentencex plus an abbreviation-aware merge pass) and overlong cuts."""

from __future__ import annotations

import re

import sentencex

# Indonesian and newsroom abbreviations that sentencex splits after. Lower-case, without the
# final period; inner periods kept ("s.h" for "S.H.").
ID_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "no", "jl", "jln", "dll", "dsb", "dkk", "dst", "tsb", "yth", "dr", "drs", "dra",
        "prof", "ir", "h", "hj", "kh", "st", "sdr", "sdri", "bpk", "ny", "nn", "tn", "kab",
        "kec", "kel", "prov", "pt", "tbk", "cv", "rp", "hlm", "tel", "telp", "vol", "mis",
        "a.n", "u.p", "s.h", "s.e", "s.t", "s.ag", "s.ip", "s.sos", "s.kom", "s.pd", "m.si",
        "m.m", "m.h", "m.pd", "m.a", "ph.d",
    }
)  # fmt: skip
# Of those, the ones that also end sentences ("... beras, gula, dll. Kemudian ..."): they only
# join when the next piece starts lower-case, which the general rule already covers.
ID_SENTENCE_FINAL: frozenset[str] = frozenset(
    {
        "dll", "dsb", "dkk", "dst", "tsb", "tbk", "s.h", "s.e", "s.t", "s.ag", "s.ip",
        "s.sos", "s.kom", "s.pd", "m.si", "m.m", "m.h", "m.pd", "m.a", "ph.d",
    }
)  # fmt: skip
EN_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "inc", "ltd", "co", "jr", "sr", "st", "vs", "u.s",
        "e.g", "i.e", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec",
    }
)  # fmt: skip
EN_SENTENCE_FINAL: frozenset[str] = frozenset({"inc", "ltd", "co", "jr", "sr", "u.s"})

_ALWAYS_JOIN: dict[str, frozenset[str]] = {
    "id": ID_ABBREVIATIONS - ID_SENTENCE_FINAL,
    "en": EN_ABBREVIATIONS - EN_SENTENCE_FINAL,
}

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LAST_TOKEN = re.compile(r"([^\s(\[“\"‘']+)\.$")  # "Jl." -> "Jl", "(Prof." -> "Prof"
_NUMBER_CUT = re.compile(r"\d[.,]$")  # "pukul 10." + "30 WIB" had no space: one number
# A piece starting with these continues the previous one: closing quotes/brackets, punctuation.
_CONTINUATION_START = tuple('”’")]},;:.!?…')
_CLAUSE_CUT = re.compile(r"(?<=[;:,–—])\s+")  # after clause punctuation, keeping it left


def split_sentences(text: str, lang: str = "id") -> list[str]:
    """Sentences of text, paragraph by paragraph; paragraphs never merge into one sentence."""
    always = _ALWAYS_JOIN.get(lang, frozenset())
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        flat = " ".join(paragraph.split())  # a single newline inside a paragraph is a space
        if not flat:
            continue
        pieces = [str(p) for p in sentencex.segment(lang, flat)]
        sentences.extend(s for s in (p.strip() for p in _merge(pieces, always)) if s)
    return sentences


def _merge(pieces: list[str], always_join: frozenset[str]) -> list[str]:
    # sentencex keeps the whitespace between pieces, so plain concatenation restores the text.
    merged: list[str] = []
    for piece in pieces:
        if merged and _joins(merged[-1], piece, always_join):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _joins(prev: str, nxt: str, always_join: frozenset[str]) -> bool:
    head = nxt.lstrip()
    if not head:
        return True
    if head[0].islower() or head.startswith(_CONTINUATION_START):
        return True
    if head[0].isdigit() and prev == prev.rstrip() and _NUMBER_CUT.search(prev):
        return True
    token = _LAST_TOKEN.search(prev.rstrip())
    return token is not None and token[1].lower() in always_join


def split_overlong(sentence: str, max_chars: int) -> list[str]:
    """Cut a sentence into pieces of at most max_chars: at clause punctuation, then at spaces.

    " ".join(pieces) has the sentence's words in order, nothing dropped; only a single token
    longer than max_chars is cut inside itself.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    flat = " ".join(sentence.split())
    if len(flat) <= max_chars:
        return [flat] if flat else []
    # A clause that fits stays whole; only an oversized clause falls apart into words.
    units: list[str] = []
    for clause in _CLAUSE_CUT.split(flat):
        units.extend([clause] if len(clause) <= max_chars else _words(clause, max_chars))
    return _pack(units, max_chars)


def _words(text: str, max_chars: int) -> list[str]:
    # Only a token that can't fit anywhere is hard-cut.
    out: list[str] = []
    for word in text.split(" "):
        out.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return out


def _pack(parts: list[str], max_chars: int) -> list[str]:
    """Greedily join parts (each at most max_chars) with spaces into chunks of at most max_chars."""
    chunks: list[str] = []
    for part in parts:
        if chunks and len(chunks[-1]) + 1 + len(part) <= max_chars:
            chunks[-1] += " " + part
        else:
            chunks.append(part)
    return chunks
