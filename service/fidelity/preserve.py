"""Numbers that survive translation: each money amount, count, percentage and year of a
source sentence must come out with the same value in its translation.

Values are compared as :mod:`service.fidelity.numbers` reads them ("Rp18 triliun" and
"Rp18 trillion" are both 1.8e13 IDR; "14 perajin" and "14 craftsmen" both 14). Mentions
written next to a colon (times, "10:00"; ratios) are left out on both sides.

A changed value is restored only when that is unambiguous: of one kind and currency, exactly
one source mention lacks a match and exactly one translated mention matches nothing, and
both have the same scale word (so only the numeral differs). The numeral is then rewritten
and the sentence checked again; anything else is reported as a :class:`NumberChange` with
``restored`` false. Clock times ("pukul 10.00", "10:00") are not values and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.fidelity.numbers import (
    PATTERNS,
    Lang,
    Quantity,
    extract_quantities,
    parse_numeral,
    quantity_supports,
    same_value,
    word_value,
)


@dataclass(frozen=True)
class NumberChange:
    expected: str | None  # the source mention as written; None: the translation added one
    found: str | None  # the translation's mention; None: the translation dropped it
    restored: bool = False
    restored_as: str | None = None  # the mention after restoring

    def to_json(self) -> dict[str, str | None]:
        out = {"expected": self.expected, "found": self.found}
        if self.restored:
            out["restored"] = self.restored_as
        return out


# Indonesian clock times: "pukul 10.00", "jam 07.30".
_ID_TIME = re.compile(r"(?:pukul|jam)\s+$", re.IGNORECASE)
_HHMM = re.compile(r"\d{1,2}[.:]\d{2}")


def mentions(text: str, lang: Lang) -> list[Quantity]:
    """The values a translation must keep: not clock times, and not a small count written
    as a word ("dua kali" is "twice", "tiga" in "ibu tiga anak" is "mother-of-three")."""
    return [q for q in extract_quantities(text, lang)
            if text[q.start - 1:q.start] != ":" and text[q.end:q.end + 1] != ":"
            and not (_HHMM.fullmatch(q.text) and _ID_TIME.search(text[:q.start]))
            and not (q.kind == "number" and q.value <= 10
                     and not any(c.isdigit() for c in q.text))]


def _written_otherwise(q: Quantity, translation: str) -> bool:
    """A whole number the translation writes as part of a word the reader sees the value in:
    "1930s", "89th", "2pm", "6-foot"."""
    if q.kind not in ("number", "year") or q.value != int(q.value):
        return False
    return re.search(rf"(?<![\w.,]){int(q.value)}(?:s|st|nd|rd|th|am|pm|-\w)",
                     translation, re.IGNORECASE) is not None


def compare(source: str, translation: str, source_lang: Lang, target_lang: Lang,
            ) -> tuple[list[Quantity], list[Quantity]]:
    """(source mentions the translation lacks, translated mentions no source one explains)."""
    src = mentions(source, source_lang)
    out = mentions(translation, target_lang)
    used: set[int] = set()
    lost = []
    for s in src:
        if s.weak:
            continue
        j = next((j for j, o in enumerate(out) if j not in used and not o.weak
                  and _same(s, o)), None)
        if j is None:
            if not _written_otherwise(s, translation):
                lost.append(s)
        else:
            used.add(j)
    added = [o for j, o in enumerate(out) if j not in used and not o.weak
             and not any(_same(s, o) for s in src)]
    return lost, added


def _same(source: Quantity, translated: Quantity) -> bool:
    # The same digits as written count too: an Indonesian text may keep English digit
    # grouping ("1,127 pembelot"), which the Indonesian reading takes for a decimal.
    return quantity_supports(source, translated) or source.text == translated.text


def _numeral(q: Quantity, lang: Lang) -> tuple[int, int, float] | None:
    """Where ``q``'s numeral is in its text, and its scale factor."""
    m = PATTERNS[lang].fullmatch(q.text)
    if m is None:
        return None
    num = m.group("num")
    value = parse_numeral(num, lang) if num[0].isdigit() else word_value(num)
    if not value:
        return None
    return m.start("num"), m.end("num"), q.value / value


_ID_DIGITS = str.maketrans(",.", ".,")


def format_numeral(value: float, lang: Lang, year: bool) -> str | None:
    """``value`` as ``lang`` writes a numeral ("1,234.5" or "1.234,5"); None when it is not
    one anyone wrote (more than three decimals)."""
    if abs(value - round(value, 3)) > 1e-9 * max(1.0, abs(value)):
        return None  # not a numeral anyone wrote
    whole, frac = f"{round(value, 3):.3f}".rstrip("0").rstrip(".").partition(".")[::2]
    if not year and len(whole) > 3:
        whole = f"{int(whole):,}"
    text = whole + (f".{frac}" if frac else "")
    if lang == "id":  # 1.234,5
        text = text.translate(_ID_DIGITS)
    return text


def _restore(s: Quantity, o: Quantity, translation: str, source_lang: Lang,
             target_lang: Lang) -> str | None:
    if s.kind != o.kind or s.currency != o.currency:
        return None
    src, out = _numeral(s, source_lang), _numeral(o, target_lang)
    if src is None or out is None or not same_value(src[2], out[2]):
        return None  # another scale word: rewriting the numeral alone would be guesswork
    numeral = format_numeral(s.value / out[2], target_lang, s.kind == "year")
    if numeral is None:
        return None
    start, end = o.start + out[0], o.start + out[1]
    return translation[:start] + numeral + translation[end:]


def preserve_numbers(source: str, translation: str, source_lang: Lang, target_lang: Lang,
                     ) -> tuple[str, list[NumberChange]]:
    """``translation`` with a changed value restored where that is safe, and every change
    found (restored or not)."""
    restored: list[NumberChange] = []
    while True:
        lost, added = compare(source, translation, source_lang, target_lang)
        step = _restore_one(source, translation, lost, added, source_lang, target_lang)
        if step is None:
            break
        translation, change = step
        restored.append(change)
    changes = list(restored)
    unpaired = list(added)
    for s in lost:  # each lost value with a changed one of its kind, if any
        k = next((k for k, o in enumerate(unpaired) if _group(o) == _group(s)), None)
        changes.append(NumberChange(s.text, unpaired.pop(k).text if k is not None else None))
    changes += [NumberChange(None, o.text) for o in unpaired]
    return translation, changes


def _group(q: Quantity) -> tuple[str, str | None]:
    return q.kind, q.currency


def _restore_one(source: str, translation: str, lost: list[Quantity], added: list[Quantity],
                 source_lang: Lang, target_lang: Lang) -> tuple[str, NumberChange] | None:
    """One safe restoration: a kind (and currency) with exactly one lost and one added
    mention, the rewritten sentence checked to have one fewer of each."""
    for s in lost:
        same = [o for o in added if _group(o) == _group(s)]
        if len(same) != 1 or sum(_group(x) == _group(s) for x in lost) != 1:
            continue
        o = same[0]
        fixed = _restore(s, o, translation, source_lang, target_lang)
        if fixed is None:
            continue
        lost2, added2 = compare(source, fixed, source_lang, target_lang)
        if len(lost2) == len(lost) - 1 and len(added2) == len(added) - 1:
            shift = len(fixed) - len(translation)
            return fixed, NumberChange(s.text, o.text, True, fixed[o.start:o.end + shift])
    return None
