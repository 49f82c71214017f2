"""Ordinals and the periods they count, in English and Indonesian: "second quarter" is
"kuartal kedua", "kuartal II" or "Q2"; "first half" is "semester I" or "paruh pertama";
"19th-century" is "abad ke-19"; "third largest" is "ketiga terbesar".

A summary's ordinal is checked like a date: the supporting sentences must give the same
one where they give any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
       "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12}
_ID = {"pertama": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6,
       "ketujuh": 7, "kedelapan": 8, "kesembilan": 9, "kesepuluh": 10, "kesebelas": 11,
       "keduabelas": 12}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
          "x": 10, "xi": 11, "xii": 12}
_PERIODS_ID = r"kuartal|kuarter|triwulan|semester|caturwulan|abad|tahap|babak|putaran|gelombang"

_PATTERNS = {
    "en": (
        re.compile(r"\b(?P<word>" + "|".join(_EN) + r")\b", re.IGNORECASE),
        re.compile(r"\b(?P<digits>\d{1,3})(?:st|nd|rd|th)\b", re.IGNORECASE),
        re.compile(r"\b[QH](?P<digits>[1-4])\b"),
    ),
    "id": (
        re.compile(r"\b(?P<word>" + "|".join(_ID) + r")\b", re.IGNORECASE),
        re.compile(r"\bke-?\s?(?P<digits>\d{1,3})\b", re.IGNORECASE),
        re.compile(rf"\b(?:{_PERIODS_ID})\s+(?P<roman>[IVX]{{1,4}})\b"),
        re.compile(r"\b[QH](?P<digits>[1-4])\b"),
    ),
}
# "for the first time", "at first", "first-hand": an ordinal that counts nothing.
_IDIOMS = {
    "en": re.compile(r"\b(?:for the first time|at first|first-hand|firsthand|first of all|"
                     r"in the first place|first and foremost|second-hand|secondhand)\b",
                     re.IGNORECASE),
    "id": re.compile(r"\b(?:untuk pertama kalinya|pertama kali|yang pertama kali)\b",
                     re.IGNORECASE),
}


# What an ordinal counts, by the word beside it: "18th-century" and "abad ke-19" count
# the same thing, so one may be checked against the other anywhere in the article.
_UNITS = {
    "en": {"century": "century", "centuries": "century", "quarter": "quarter",
           "quarters": "quarter", "half": "half", "round": "round", "stage": "stage",
           "phase": "stage", "wave": "wave", "term": "term", "anniversary": "anniversary",
           "edition": "edition", "day": "day", "week": "week", "month": "month",
           "year": "year", "straight": "straight", "consecutive": "straight"},
    "id": {"abad": "century", "kuartal": "quarter", "kuarter": "quarter",
           "triwulan": "quarter", "semester": "half", "paruh": "half", "putaran": "round",
           "babak": "round", "tahap": "stage", "fase": "stage", "gelombang": "wave",
           "periode": "term", "hut": "anniversary", "ulang": "anniversary",
           "edisi": "edition", "hari": "day", "pekan": "week", "minggu": "week",
           "bulan": "month", "tahun": "year", "berturut": "straight",
           "berturut-turut": "straight"},
}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class Ordinal:
    value: int
    text: str
    start: int
    end: int
    unit: str | None = None


def _unit(text: str, start: int, end: int, lang: str) -> str | None:
    head = text[start:end]
    if head[:1] in "QH" and head[1:].isdigit():
        return "quarter" if head[0] == "Q" else "half"
    first = _WORD.match(head)
    if first is not None and first.group(0).casefold() in _UNITS[lang] and " " in head:
        return _UNITS[lang][first.group(0).casefold()]  # "semester I"
    return _beside(text, start, end, lang)


def _beside(text: str, start: int, end: int, lang: str) -> str | None:
    """The thing counted: English puts it after the ordinal ("18th-century", "second
    quarter"), Indonesian before it ("abad ke-19", "kuartal kedua") or after a ke- form
    ("kedua kalinya" aside)."""
    table = _UNITS[lang]
    after = _WORD.match(text, end + 1) if end < len(text) and text[end] in " -" else None
    before = list(_WORD.finditer(text[max(0, start - 24):start]))
    near = [after.group(0) if after else None]
    if lang == "id" and before:
        near.insert(0, before[-1].group(0))
    for word in near:
        if word is not None and word.casefold() in table:
            return table[word.casefold()]
    return None


def ordinals(text: str, lang: str) -> list[Ordinal]:
    """Every ordinal of ``text``, in order; idioms aside."""
    idioms = [(m.start(), m.end()) for m in _IDIOMS[lang].finditer(text)]
    found: dict[int, Ordinal] = {}
    for pattern in _PATTERNS[lang]:
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in idioms):
                continue
            table = _EN if lang == "en" else _ID
            if m.groupdict().get("word"):
                value = table[m.group("word").casefold()]
            elif m.groupdict().get("roman"):
                value = _ROMAN[m.group("roman").casefold()]
            else:
                value = int(m.group("digits"))
            found.setdefault(m.start(), Ordinal(value, m.group(0), m.start(), m.end(),
                                                _unit(text, m.start(), m.end(), lang)))
    return [found[k] for k in sorted(found)]
