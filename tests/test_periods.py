"""Ordinals and what they count, in both languages: the check compares "18th-century" with
"abad ke-19" only because both count centuries."""

from __future__ import annotations

import pytest

from service.fidelity.periods import ordinals


@pytest.mark.parametrize(("text", "lang", "value", "unit"), [
    ("a bloody 18th-century conflict", "en", 18, "century"),
    ("in the 19th century", "en", 19, "century"),
    ("in the second quarter of 2025", "en", 2, "quarter"),
    ("Q2 profit rose", "en", 2, "quarter"),
    ("the first half of the year", "en", 1, "half"),
    ("their third straight win", "en", 3, "straight"),
    ("the third largest bank", "en", 3, None),
    ("konflik berdarah abad ke 19 masih", "id", 19, "century"),
    ("abad ke-19", "id", 19, "century"),
    ("pada kuartal kedua 2025", "id", 2, "quarter"),
    ("laba semester I tahun ini", "id", 1, "half"),
    ("paruh pertama tahun ini", "id", 1, "half"),
    ("putaran kedua pemilihan", "id", 2, "round"),
    ("bank ketiga terbesar", "id", 3, None),
])
def test_an_ordinal_knows_what_it_counts(text: str, lang: str, value: int,
                                         unit: str | None) -> None:
    (found,) = ordinals(text, lang)
    assert (found.value, found.unit) == (value, unit)
    assert text[found.start:found.end] == found.text


def test_an_idiom_is_no_ordinal() -> None:
    assert ordinals("For the first time, the court ruled.", "en") == []
    assert ordinals("Untuk pertama kalinya pengadilan memutuskan.", "id") == []
