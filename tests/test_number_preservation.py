"""Number preservation (service/fidelity/preserve.py) on correct translations: a value
written another way is never flagged or rewritten, and a restoration happens only when its
context proves it.

The pairs are NTREX-128 lines (human translations, so correct by construction) cut to the
part that matters, and a few made-up lines for the rest of each class. Each pair is checked
in both directions: Indonesian source with its English translation, and the reverse.
"""

from __future__ import annotations

import pytest

from eval.dataset import ntrex_documents
from service.fidelity.numbers import Lang
from service.fidelity.preserve import NumberChange, preserve_numbers

# (Indonesian, English): the same values, written differently.
SAME_VALUES = [
    # clock times, with a dot, a colon, am/pm, a time zone or an Indonesian time of day
    ("ditemukan pada pukul 7.55 pagi dengan beberapa luka tusuk",
     "was found at 7.55am with stab wounds"),
    ("memasuki pasar pada pukul 4.40 pada hari Kamis", "entering the market at 4.40 am Thursday"),
    ("waktu yang tepat untuk minum bir adalah pukul 17.30 pada hari Sabtu",
     "Perfect time for a pint is 5.30pm on a Saturday"),
    ("Pada pukul 2 siang dua mobil van polisi berada dalam barisan",
     "At 2pm two police vans were inside the cordon"),
    ("Pada pukul 6 pagi, tepat ketika", "At 6am, just as"),
    ("di Radio Skotlandia antara pukul 12.00 dan 13.00 BST",
     "on Radio Scotland between 12:00 and 13:00 BST"),
    ("sekitar pukul 09:30 BST (GMT+0100) pada hari Minggu", "at about 09:30 BST on Sunday"),
    ("Sidang dimulai pukul 10 pagi.", "The hearing began at 10 a.m."),
    # small numbers spelt as words, in either language; "a mile" is one
    ("dekat dengan Jones selama 10 tahun.", "close to Jones for ten years."),
    ("10 tahun sebelumnya, seekor babi dengan berat 650 pon",
     "Ten years previously, a 650 pound pig"),
    ("Ia menunggu selama sepuluh tahun.", "He waited for 10 years."),
    ("di Childers Street, sekitar 1 mil jauhnya", "on Childers Street, about a mile away"),
    ("diperlukan 50 persen ditambah 1 suara.", "turnout needs to be 50 percent plus one vote."),
    # percentage points
    ("dia menangkan dengan lebih dari 40 poin persentase pada 2016.",
     "he won by more than 40 percentage points in 2016."),
    # a number glued to a comma or to letters
    ("pemilih yang lebih muda,18 hingga 29 tahun, yang",
     "younger voters, 18- to 29-year-olds, who"),
    ("Hiu melukai remaja usia13 tahun", "Shark injures 13-year-old"),
    # a value next to a colon that is punctuation, not a time or a ratio
    ('sejak pemungutan suara tahun 2016: "Gagasan', "since the 2016 vote: 'The idea"),
    # hyphenated compounds: a height, a ratio, a record, a score
    ("Dengan tinggi 6,6 kaki tinggal di Baton Rouge",
     "The 6-foot-6 forward grew up in Baton Rouge"),
    ("menjadi 1 dari 4 pemain yang pernah mendapat 5-0-0 sejak",
     "becoming 1-of-4 players to ever go 5-0-0 since"),
    ("Tim itu menang 3:2 di kandang.", "The team won 3-2 at home."),
    # decades, ordinals and numbered things
    ("berpindah pada tahun 1930-an.", "moved out in the 1930s."),
    ("Korban yang berusia 40-an tersebut", "The victim, in his 40s,"),
    ("pada menit ke 89 pada hari Sabtu", "in the 89th minute on Saturday"),
    ("sebuah bukti pendapat abad ke 19", "evidence of 19th century opinion"),
    ("bertujuan untuk menjadi nomor 1 dalam inovasi AI", "it's aiming to be No.1 in AI innovation"),
]


def _both_ways(pairs: list[tuple[str, str]]) -> list[tuple[str, str, Lang, Lang]]:
    return ([(i, e, "id", "en") for i, e in pairs] + [(e, i, "en", "id") for i, e in pairs])


@pytest.mark.parametrize(("source", "translation", "source_lang", "target_lang"),
                         _both_ways(SAME_VALUES))
def test_a_value_written_otherwise_is_kept_and_not_flagged(
        source: str, translation: str, source_lang: Lang, target_lang: Lang) -> None:
    assert preserve_numbers(source, translation, source_lang, target_lang) == (translation, [])


@pytest.mark.parametrize(("source", "translation", "expected"), [
    ("Pada 2016: inflasi naik.", "In 2017: inflation rose.", "2016"),  # a year before a colon
    ("Ia menunggu selama 10 tahun.", "He waited for nine years.", "10"),  # another word
    ("Ia menang dengan 40 poin persentase.", "He won by 14 percentage points.",
     "40 poin persentase"),
    ("pemilih yang lebih muda,18 hingga 29 tahun", "younger voters, 19 to 29", "18"),
])
def test_a_value_in_those_forms_is_still_checked(source: str, translation: str,
                                                 expected: str) -> None:
    _, changes = preserve_numbers(source, translation, "id", "en")
    assert [c.expected for c in changes] == [expected]


# --- restoring: only when the context proves it ------------------------------------------


def test_a_digit_error_in_an_amount_is_restored() -> None:
    out, changes = preserve_numbers("Investasi mencapai Rp18 triliun.",
                                    "Investment reached IDR 81 trillion.", "id", "en")
    assert out == "Investment reached IDR 18 trillion."
    assert changes == [NumberChange("Rp18 triliun", "IDR 81 trillion", True, "IDR 18 trillion")]


def test_a_digit_error_is_restored_into_indonesian() -> None:
    out, changes = preserve_numbers("The ministry added 14 craftsmen in Bogor.",
                                    "Kementerian menambah 41 perajin di Bogor.", "en", "id")
    assert out == "Kementerian menambah 14 perajin di Bogor."
    assert [c.restored for c in changes] == [True]


@pytest.mark.parametrize(("source", "translation", "expected", "found"), [
    # the numeral is part of a hyphenated compound (a score, a height)
    ("Tim itu menang 3-2 di kandang.", "The team won 3-1 at home.", "2", "1"),
    ("Pemain setinggi 6 kaki itu tiba.", "The 7-foot-1 player arrived.", "6", None),
    # glued to a hyphen and a word
    ("Kemenperin menambah 14 perajin di Bogor.", "Kemenperin adds a 41-strong team in Bogor.",
     "14", "41"),
    # the words around it correspond to nothing around the source figure
    ("Kemenperin menambah 14 perajin di Bogor.", "In Bogor, 41 workers joined the scheme.",
     "14", "41"),
])
def test_an_unproven_restoration_is_only_reported(source: str, translation: str, expected: str,
                                                  found: str | None) -> None:
    out, changes = preserve_numbers(source, translation, "id", "en")
    assert out == translation
    assert changes == [NumberChange(expected, found)]


def test_nothing_is_rewritten_unless_every_source_figure_then_matches() -> None:
    # 14 -> 41 alone would be restorable, but the 30 is gone: the sentence stays as it is.
    source = "Kemenperin menambah 14 perajin dan 30 desa di Bogor."
    translation = "Kemenperin adds 41 craftsmen in Bogor."
    out, changes = preserve_numbers(source, translation, "id", "en")
    assert out == translation
    assert changes == [NumberChange("14", "41"), NumberChange("30", None)]


# --- all of NTREX-128 ----------------------------------------------------------------------

MAX_FLAG_RATE = 0.01


def _ntrex_pairs() -> list[tuple[str, str]]:
    return [(i, e) for d in ntrex_documents() for i, e in zip(d.source, d.reference, strict=True)]


@pytest.mark.parametrize(("source_lang", "target_lang"), [("id", "en"), ("en", "id")])
def test_correct_ntrex_translations_are_never_rewritten(source_lang: Lang,
                                                        target_lang: Lang) -> None:
    pairs = _ntrex_pairs()
    flagged: list[tuple[str, str, list[NumberChange]]] = []
    rewritten: list[tuple[str, str, str]] = []
    for indonesian, english in pairs:
        source, translation = ((indonesian, english) if source_lang == "id"
                               else (english, indonesian))
        out, changes = preserve_numbers(source, translation, source_lang, target_lang)
        if out != translation:
            rewritten.append((source, translation, out))
        if changes:
            flagged.append((source, translation, changes))
    print(f"\nNTREX {source_lang}->{target_lang}: {len(flagged)} / {len(pairs)} lines flagged "
          f"({100 * len(flagged) / len(pairs):.2f}%), {len(rewritten)} rewritten")
    for source, translation, changes in flagged:
        print(f"  {[(c.expected, c.found) for c in changes]}: {source!r} / {translation!r}")
    assert len(pairs) == 1997
    assert rewritten == []
    assert len(flagged) <= MAX_FLAG_RATE * len(pairs)
