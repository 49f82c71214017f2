"""English number style in English output: a numeral the model copied from the Indonesian
source in Indonesian style ("3,5 persen" -> "3,5 percent", "Rp12.000" -> "Rp12.000") has
the right value and the wrong form for an English reader, who reads "12.000" as twelve.

The rule, for English output only: a numeral written in a form only Indonesian uses — a
decimal comma followed by one, two, or four or more digits ("3,5", "0,25"), or thousands
grouped by dots ("12.000", "1.234.567", "1.234,5") — is rewritten in English style
("3.5", "12,000", "1,234,567", "1,234.5": the same digits, the separators swapped) when the
source has the same numeral, written the same way: its value is then the Indonesian reading,
and only the form changes. A numeral with a leading zero, or after a word that makes it an
identifier (a version, a number, a phone or an IP address), is never touched. A currency
prefix stays as written ("Rp12,000"). Such a numeral that the source does not have is left
as it is and reported (``restyled`` false): its value is not known. "1,127" (three digits
after the comma) is valid English grouping and is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A numeral only Indonesian writes this way (not part of a longer number), with no leading
# zero (a phone number or a code keeps its digits as written).
_INDONESIAN_STYLE = re.compile(
    r"(?<![\d.,])(?!0\d)(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,(?:\d{1,2}|\d{4,}))(?!\d|[.,]\d)")
# Every numeral of the source, as written ("Rp12.000" holds "12.000").
_NUMBER = re.compile(r"(?<![\d.,])\d(?:[\d.,]*\d)?")
# Words before a numeral that make it an identifier, not a quantity: "versi 2.100", "IP".
_IDENTIFIER_BEFORE = re.compile(r"(?:\b(?:versi|version|v|ip|no|nomor|number|kode|code|tel|"
                                r"telp|telepon|phone|hp|wa)\.?|[#/])\s*$", re.IGNORECASE)
_SWAP = str.maketrans(".,", ",.")


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
        if _IDENTIFIER_BEFORE.search(translation[max(0, m.start() - 12):m.start()]):
            continue  # a version, an address, a phone number: not a quantity
        # The same digits with the separators swapped: "1.234,50" -> "1,234.50", exactly.
        english = numeral.translate(_SWAP) if numeral in in_source else None
        changes.append(StyleChange(numeral, english))
        if english is not None:
            parts += [translation[at:m.start()], english]
            at = m.end()
    parts.append(translation[at:])
    return "".join(parts), changes
