"""English number style in English output: a numeral the model copied from the Indonesian
source in Indonesian style ("3,5 persen" -> "3,5 percent", "Rp12.000" -> "Rp12.000") has
the right value and the wrong form for an English reader, who reads "12.000" as twelve.

The rule, for English output only: a numeral written in a form only Indonesian uses — a
decimal comma followed by one, two, or four or more digits ("3,5", "0,25"), or thousands
grouped by dots ("12.000", "1.234.567", "1.234,5") — is rewritten in English style
("3.5", "12,000", "1,234,567", "1,234.5") when the source has the same numeral, written the
same way: its value is then the Indonesian reading, and only the form changes. A currency
prefix stays as written ("Rp12,000"). Such a numeral that the source does not have is left
as it is and reported (``restyled`` false): its value is not known. "1,127" (three digits
after the comma) is valid English grouping and is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.fidelity.numbers import parse_numeral
from service.fidelity.preserve import format_numeral

# A numeral only Indonesian writes this way (not part of a longer number or a word).
_INDONESIAN_STYLE = re.compile(
    r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,(?:\d{1,2}|\d{4,}))(?!\d|[.,]\d)")
# Every numeral of the source, as written ("Rp12.000" holds "12.000").
_NUMBER = re.compile(r"(?<![\d.,])\d(?:[\d.,]*\d)?")


@dataclass(frozen=True)
class StyleChange:
    found: str  # the numeral as the model wrote it
    restyled_as: str | None  # in English style; None when the value is not certain

    @property
    def restyled(self) -> bool:
        return self.restyled_as is not None

    def to_json(self) -> dict[str, str | None]:
        return {"found": self.found, "restyled": self.restyled_as}


def english_style(source: str, translation: str) -> tuple[str, list[StyleChange]]:
    """``translation`` (English) with the Indonesian-style numerals it copied from
    ``source`` written in English style, and each such numeral found."""
    in_source = {m.group(0) for m in _NUMBER.finditer(source)}
    changes: list[StyleChange] = []
    parts: list[str] = []
    at = 0
    for m in _INDONESIAN_STYLE.finditer(translation):
        numeral = m.group(0)
        value = parse_numeral(numeral, "id") if numeral in in_source else None
        english = format_numeral(value, "en", year=False) if value is not None else None
        changes.append(StyleChange(numeral, english))
        if english is not None:
            parts += [translation[at:m.start()], english]
            at = m.end()
    parts.append(translation[at:])
    return "".join(parts), changes
