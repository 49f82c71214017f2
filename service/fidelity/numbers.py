"""Numeric mentions in Indonesian and English text: counts, amounts, percentages and years.

Each mention is normalised to a float with its scale multiplied out ("Rp18 triliun" and
"IDR 18 trillion" are both 1.8e13 IDR), so an English summary can be compared with an
Indonesian article. Only the digit format depends on the language: Indonesian writes
"1.234.567,5", English "1,234,567.5"; a numeral that is impossible in the expected format is
read in the other one ("3,5" in English text is 3.5, "1.5" in Indonesian text is 1.5).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from service.languages import Lang

# Two values are the same when they differ by at most this fraction (rounding in a summary).
REL_TOLERANCE = 0.005

_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_ID_UNITS = {
    "nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9,
}  # fmt: skip
_ID_SE = {
    "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1_000, "sejuta": 1e6,
    "semiliar": 1e9, "setriliun": 1e12,
}  # fmt: skip

# Scale words valid in either language, with or without a currency.
_SCALES = {
    "trillion": 1e12, "triliun": 1e12, "tn": 1e12, "trn": 1e12,
    "billion": 1e9, "miliar": 1e9, "milyar": 1e9, "bn": 1e9, "bln": 1e9,
    "million": 1e6, "juta": 1e6, "mn": 1e6, "mln": 1e6, "jt": 1e6,
    "thousand": 1e3, "ribu": 1e3, "rb": 1e3,
    "hundred": 1e2, "ratus": 1e2,
}  # fmt: skip
# One-letter scales are only read as scales right after a currency ("Rp18T", "US$5m"); the
# letters mean different things in the two languages (Indonesian "M" is miliar).
_SHORT_SCALES: dict[Lang, dict[str, float]] = {
    "id": {"t": 1e12, "m": 1e9},
    "en": {"t": 1e12, "b": 1e9, "m": 1e6, "k": 1e3},
}

_CUR_PRE = {
    "US$": "USD", "USD": "USD", "IDR": "IDR", "RP": "IDR", "S$": "SGD", "SGD": "SGD",
    "A$": "AUD", "AUD": "AUD", "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP",
    "¥": "JPY", "JPY": "JPY", "CNY": "CNY", "RMB": "CNY", "$": "USD",
}  # fmt: skip
_CUR_PRE_RE = r"US\$|USD|IDR|Rp\.?|S\$|SGD|A\$|AUD|€|EUR|£|GBP|¥|JPY|CNY|RMB|\$"
# Written after the number; first match wins, so specific dollars come before plain "dollar".
_CUR_POST = (
    (r"rupiahs?|IDR", "IDR"),
    (r"(?:Singapore\s+dollars?|dolar\s+Singapura)", "SGD"),
    (r"(?:Australian\s+dollars?|dolar\s+Australia)", "AUD"),
    (r"(?:(?:US|American)\s+)?dollars?|dolar(?:\s+(?:AS|Amerika(?:\s+Serikat)?))?|USD", "USD"),
    (r"euros?", "EUR"),
    (r"yen", "JPY"),
    (r"yuan", "CNY"),
)
_CUR_POST_RES = tuple((re.compile(p, re.IGNORECASE), code) for p, code in _CUR_POST)
# "poin persentase" is Indonesian for percentage points, which English reads as a percent.
_PCT_RE = r"%|percentage\s+points?|poin\s+persen(?:tase)?|per\s?cent|persen|pct"


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so "trillion" beats "t"."""
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _build(lang: Lang) -> re.Pattern[str]:
    if lang == "en":
        units = _alt(w for w in _EN_UNITS if w != "zero")
        words = rf"(?:{_alt(_EN_TENS)})(?:[-\s](?:{units}))?|{_alt(_EN_UNITS)}|(?:a\s+)?dozen"
    else:
        units = _alt(_ID_UNITS)
        words = rf"(?:{units})\s+(?:puluh|belas)(?:\s+(?:{units}))?|{_alt(_ID_SE)}|{units}"
    long, short = _alt(_SCALES), _alt(_SHORT_SCALES[lang])
    post = "|".join(p for p, _ in _CUR_POST)
    return re.compile(
        # Not inside a word or a numeral; a comma glued after a word is punctuation that
        # lacks its space ("muda,18 tahun"), not a digit group.
        r"(?<![\w.$])(?<!\d,)(?<![^\W\d_]-)"
        rf"(?:(?P<pre>{_CUR_PRE_RE})\s?)?"
        # A numeral is read whole: never a prefix of one that goes on (the "7" of "7.55am").
        rf"(?P<num>\d+(?:[.,]\d+)*(?![.,]\d)|{words})"
        # a one-letter scale only after a currency sign: (?(pre)...|(?!)) fails without one
        rf"(?:\s?(?P<scale>(?:{long})(?:\s+(?:{long}))?|(?(pre)(?:{short})|(?!))))?"
        rf"(?:\s?(?P<pct>{_PCT_RE}))?"
        rf"(?:\s+(?P<post>{post}))?"
        r"(?![\w%$])",
        re.IGNORECASE,
    )


PATTERNS: dict[Lang, re.Pattern[str]] = {"id": _build("id"), "en": _build("en")}

_INT = re.compile(r"\d+")
_GROUPED = {
    ".": re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"),
    ",": re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
}
_DECIMAL = {",": re.compile(r"\d+,\d+"), ".": re.compile(r"\d+\.\d+")}


def parse_numeral(text: str, lang: Lang) -> float | None:
    """The value of a digit string in ``lang``'s format, else in the other one; None if neither."""
    if _INT.fullmatch(text):
        return float(text)
    group, dec = (".", ",") if lang == "id" else (",", ".")
    for g, d in ((group, dec), (dec, group)):
        if _GROUPED[g].fullmatch(text):
            return float(text.replace(g, "").replace(d, "."))
        if _DECIMAL[d].fullmatch(text):
            return float(text.replace(d, "."))
    return None


def word_value(words: str) -> float | None:
    parts = words.casefold().split()
    parts = [p for w in parts for p in w.split("-")]
    if parts[-1] == "dozen":
        return 12.0
    if len(parts) == 1:
        for table in (_EN_UNITS, _EN_TENS, _ID_UNITS, _ID_SE):
            if parts[0] in table:
                return float(table[parts[0]])
        return None
    total = 0.0
    for p in parts:  # "twenty five", "dua puluh lima", "tiga belas"
        if p == "puluh":
            total *= 10
        elif p == "belas":
            total += 10
        else:
            total += _EN_TENS.get(p, _EN_UNITS.get(p, _ID_UNITS.get(p, 0)))
    return total


@dataclass(frozen=True)
class Quantity:
    """One numeric mention; ``weak`` marks a bare "one"/"satu", too vague to be a claim."""

    kind: str  # "number" | "amount" | "percent" | "year"
    text: str
    value: float
    currency: str | None
    start: int
    end: int
    weak: bool = False

    @property
    def normalised(self) -> str:
        if self.kind == "year":
            return str(int(self.value))
        if self.kind == "percent":
            return f"{format_value(self.value)}%"
        if self.currency:
            return f"{format_value(self.value)} {self.currency}"
        return format_value(self.value)


def format_value(value: float) -> str:
    """14 -> "14", 3.5 -> "3.5", 1.8e13 -> "1.8e13" (scientific from a million up)."""
    if abs(value) >= 1e6:
        mantissa, exponent = f"{value:.12e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _currency(pre: str | None, post: str | None) -> str | None:
    if pre:
        return _CUR_PRE[pre.upper().rstrip(".")]
    if post:
        for pattern, code in _CUR_POST_RES:
            if pattern.fullmatch(post):
                return code
    return None


def extract_quantities(text: str, lang: Lang) -> list[Quantity]:
    """Every numeric mention in ``text``, in order."""
    found: list[Quantity] = []
    for m in PATTERNS[lang].finditer(text):
        num = m.group("num")
        is_digits = num[0].isdigit()
        value = parse_numeral(num, lang) if is_digits else word_value(num)
        if value is None:
            continue
        currency = _currency(m.group("pre"), m.group("post"))
        scaled = False
        for word in (m.group("scale") or "").casefold().split():
            factor = _SCALES.get(word)
            if factor is None and currency:
                factor = _SHORT_SCALES[lang].get(word)
            if factor is not None:
                value *= factor
                scaled = True
        if m.group("pct"):
            kind = "percent"
        elif currency:
            kind = "amount"
        elif is_digits and not scaled and len(num) == 4 and num.isdigit() and 1900 <= value <= 2099:
            kind = "year"
        else:
            kind = "number"
        weak = kind == "number" and not is_digits and not scaled and value <= 1
        found.append(Quantity(kind, m.group(0), value, currency, m.start(), m.end(), weak))
    return found


def same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOLERANCE)


def quantity_supports(source: Quantity, claim: Quantity) -> bool:
    """Whether one source mention supports one summary mention."""
    if claim.kind == "year":
        return source.kind == "year" and source.value == claim.value
    if claim.kind == "percent":
        return source.kind == "percent" and same_value(source.value, claim.value)
    if source.kind in ("percent", "year"):
        return False
    if claim.currency and source.currency and claim.currency != source.currency:
        return False
    return same_value(source.value, claim.value)
