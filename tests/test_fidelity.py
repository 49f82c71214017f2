"""Tests for service.fidelity: claims in an English summary checked against the article."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from service.fidelity import Claim, FidelityReport, check_fidelity
from service.fidelity.numbers import extract_quantities, parse_numeral
from service.text.segment import split_sentences

SEED = (Path(__file__).resolve().parent.parent / "seeds" /
        "000_d67792ced336d87c.txt").read_text(encoding="utf-8")
# A hand-made English rendering of the seed's key sentences, standing in for the pipeline's MT.
SEED_EN = (
    "Jakarta (ANTARA) - The Ministry of Industry (Kemenperin) is strengthening the recovery of "
    "footwear small and medium industry (IKM) centres. Industry Minister Agus Gumiwang "
    "Kartasasmita said on Monday that the centres still face structural challenges. Based on "
    "Central Statistics Agency (BPS) data, investment reached more than IDR 18 trillion in 2025. "
    "A total of 14 craftsmen from the Ciomas footwear centre took part in the programme."
)
# The seed with one percentage added, for the percentage rules (the seed itself has none).
SEED_PCT = SEED + "\n\nEkspor alas kaki tumbuh 3,5 persen secara tahunan.\n"


def _claim(report: FidelityReport, text: str) -> Claim:
    matches = [c for c in report.claims if c.text == text]
    assert matches, f"no claim {text!r} in {[c.text for c in report.claims]}"
    return matches[0]


def test_seed_has_the_facts_the_tests_rely_on() -> None:
    assert "lebih dari Rp18 triliun" in SEED
    assert "sebanyak 14 perajin" in SEED
    assert "sepanjang 2025" in SEED and "2024" not in SEED
    assert "Agus Gumiwang Kartasasmita" in SEED and "Reni Yanita" in SEED
    for absent in ("Widodo", "Jokowi", "Mulyani", "Bandung", "persen", "%", "Ministry"):
        assert absent not in SEED


# --- must be caught -----------------------------------------------------------------------

CAUGHT = [
    ("Investment reached IDR 20 trillion in 2025.", "IDR 20 trillion", "amount", "2e13 IDR"),
    ("Investment reached IDR 18 billion in 2025.", "IDR 18 billion", "amount", "1.8e10 IDR"),
    ("Investment reached US$18 trillion in 2025.", "US$18 trillion", "amount", "1.8e13 USD"),
    ("Investment reached 18 trillion dollars.", "18 trillion dollars", "amount", "1.8e13 USD"),
    ("The programme was held in late 2024.", "2024", "year", "2024"),
    ("A total of 40 craftsmen from Ciomas took part.", "40", "number", "40"),
    ("Forty craftsmen from Ciomas took part.", "Forty", "number", "40"),
    ("The footwear industry grew 18 percent in 2025.", "18 percent", "percent", "18%"),
    ("Joko Widodo said the centres must recover.", "Joko Widodo", "entity", "joko widodo"),
    ("The footwear centres were praised by Sri Mulyani.", "Sri Mulyani", "entity", "sri mulyani"),
    ("President Jokowi visited the craftsmen.", "President Jokowi", "entity", "jokowi"),
    ("The craftsmen in Bandung joined the programme.", "Bandung", "entity", "bandung"),
    ("Footwear centres in Bandung, Bogor are recovering.", "Bandung", "entity", "bandung"),
]


@pytest.mark.parametrize(("summary", "text", "kind", "value"), CAUGHT)
def test_unsupported_claims_are_caught(summary: str, text: str, kind: str, value: str) -> None:
    report = check_fidelity(summary, SEED)
    claim = _claim(report, text)
    assert (claim.kind, claim.value, claim.supported) == (kind, value, False)
    assert claim in report.unsupported
    assert not report.to_json()["supported"]


def test_a_wrong_claim_is_caught_while_the_right_ones_beside_it_pass() -> None:
    report = check_fidelity(
        "Agus Gumiwang Kartasasmita said investment topped IDR 20 trillion in 2025, "
        "and 14 craftsmen from Ciomas took part.",
        SEED,
    )
    assert [c.text for c in report.unsupported] == ["IDR 20 trillion"]
    assert report.numeric_claims == 3
    assert report.unsupported_numeric_rate == pytest.approx(1 / 3)


# --- must pass ----------------------------------------------------------------------------

# The article says "lebih dari Rp18 triliun": a summary must keep the "more than".
SUPPORTED = [
    ("Investment reached more than IDR 18 trillion in 2025.", "IDR 18 trillion", "amount",
     "1.8e13 IDR"),
    ("Investment reached over Rp18 trillion in 2025.", "Rp18 trillion", "amount", "1.8e13 IDR"),
    ("Investment exceeded 18 trillion rupiah.", "18 trillion rupiah", "amount", "1.8e13 IDR"),
    ("Investment was more than IDR 18 trillion.", "IDR 18 trillion", "amount", "1.8e13 IDR"),
    ("Investment topped IDR 18tn in 2025.", "IDR 18tn", "amount", "1.8e13 IDR"),
    ("Investment reached above Rp18 triliun.", "Rp18 triliun", "amount", "1.8e13 IDR"),
    ("Investment passed 18 trillion.", "18 trillion", "number", "1.8e13"),
    ("In all, 14 craftsmen from Ciomas took part.", "14", "number", "14"),
    ("Fourteen craftsmen from Ciomas took part.", "Fourteen", "number", "14"),
    ("The footwear industry grew throughout 2025.", "2025", "year", "2025"),
    (
        "Industry Minister Agus Gumiwang Kartasasmita said the centres face challenges.",
        "Minister Agus Gumiwang Kartasasmita",
        "entity",
        "agus gumiwang kartasasmita",
    ),
    ("Minister Agus said the centres must recover.", "Minister Agus", "entity", "agus"),
    ("The minister, Kartasasmita, visited craftsmen.", "Kartasasmita", "entity", "kartasasmita"),
    ("Gumiwang spoke in Jakarta.", "Gumiwang", "entity", "gumiwang"),
    ("Reni Yanita stressed the role of the centres.", "Reni Yanita", "entity", "reni yanita"),
    ("The centre is in Ciomas, Bogor.", "Ciomas", "entity", "ciomas"),
    ("The centre is in Ciomas, Bogor.", "Bogor", "entity", "bogor"),
    ("The centre lies in Bogor Regency.", "Bogor Regency", "entity", "bogor regency"),
    ("According to BPS data, the industry grew.", "BPS", "entity", "bps"),
    ("Kemenperin's IKM programme helps craftsmen.", "Kemenperin's", "entity", "kemenperin"),
    ("On Monday, Dr. Reni Yanita spoke.", "Dr. Reni Yanita", "entity", "reni yanita"),
]


@pytest.mark.parametrize(("summary", "text", "kind", "value"), SUPPORTED)
def test_supported_claims_pass(summary: str, text: str, kind: str, value: str) -> None:
    report = check_fidelity(summary, SEED)
    claim = _claim(report, text)
    assert (claim.kind, claim.value, claim.supported) == (kind, value, True)
    assert report.unsupported == (), report.unsupported
    assert report.to_json()["supported"] is True


def test_a_faithful_summary_of_the_seed_has_no_unsupported_claims() -> None:
    summary = (
        "Indonesia's Ministry of Industry (Kemenperin) is helping footwear centres recover. "
        "Industry Minister Agus Gumiwang Kartasasmita said small and medium industries (IKM) "
        "still face structural challenges. According to BPS data, investment in footwear and "
        "leather reached more than IDR 18 trillion in 2025. Fourteen craftsmen from Ciomas, "
        "Bogor, joined a programme run with BPIPI, Reni Yanita and Budi Setiawan said."
    )
    report = check_fidelity(summary, SEED, SEED_EN)
    assert report.unsupported == (), report.unsupported
    assert {c.kind for c in report.claims} == {"amount", "year", "number", "entity"}
    assert report.numeric_claims == 3


NOT_CLAIMS = [
    "However, the centres face structural challenges.",
    "On the day, the craftsmen met.",
    "The craftsmen said they need capital.",
    "Meanwhile, challenges remain.",
    "Recently, training was held.",
    "One of the centres is recovering.",
]


@pytest.mark.parametrize("summary", NOT_CLAIMS)
def test_ordinary_capitalised_words_are_not_claims(summary: str) -> None:
    assert check_fidelity(summary, SEED).claims == ()


def test_sentence_initial_word_the_translation_writes_in_lower_case_is_ordinary() -> None:
    # A borrowed word no English dictionary has: only the translation can tell it is not a
    # name.
    summary = "Hilirisasi of the centres is under way."
    assert [c.text for c in check_fidelity(summary, SEED).claims] == ["Hilirisasi"]
    assert check_fidelity(summary, SEED, "The hilirisasi of the centres.").claims == ()


def test_a_sentence_initial_dictionary_word_is_ordinary() -> None:
    assert check_fidelity("Recovery of the centres is under way.", SEED).claims == ()


# --- number formats, Indonesian and English -----------------------------------------------

NUMERALS = [
    ("3,5", "id", 3.5),
    ("3.5", "en", 3.5),
    ("1.234", "id", 1234.0),
    ("1,234", "en", 1234.0),
    ("1,234", "id", 1.234),
    ("1.234", "en", 1.234),
    ("1.234.567", "id", 1234567.0),
    ("1,234,567", "en", 1234567.0),
    ("1.234.567,89", "id", 1234567.89),
    ("1,234,567.89", "en", 1234567.89),
    ("1.5", "id", 1.5),  # impossible as Indonesian grouping: read as English
    ("3,5", "en", 3.5),  # impossible as English grouping: read as Indonesian
    ("1.234.567", "en", 1234567.0),
    ("14", "id", 14.0),
    ("1,2,3", "en", None),
]


@pytest.mark.parametrize(("text", "lang", "value"), NUMERALS)
def test_parse_numeral(text: str, lang: str, value: float | None) -> None:
    assert parse_numeral(text, lang) == value  # type: ignore[arg-type]


QUANTITIES = [
    ("Rp18 triliun", "id", "amount", "1.8e13 IDR"),
    ("Rp 1,2 miliar", "id", "amount", "1.2e9 IDR"),
    ("Rp. 5.000", "id", "amount", "5000 IDR"),
    ("Rp18T", "id", "amount", "1.8e13 IDR"),
    ("US$2 miliar", "id", "amount", "2e9 USD"),
    ("2 miliar dolar AS", "id", "amount", "2e9 USD"),
    ("18 persen", "id", "percent", "18%"),
    ("3,5 persen", "id", "percent", "3.5%"),
    ("14 perajin", "id", "number", "14"),
    ("dua puluh lima", "id", "number", "25"),
    ("tiga belas", "id", "number", "13"),
    ("sepanjang 2025", "id", "year", "2025"),
    ("IDR 1.2 billion", "en", "amount", "1.2e9 IDR"),
    ("IDR 18 trillion", "en", "amount", "1.8e13 IDR"),
    ("18 trillion rupiah", "en", "amount", "1.8e13 IDR"),
    ("US$2 billion", "en", "amount", "2e9 USD"),
    ("US$2bn", "en", "amount", "2e9 USD"),
    ("$5m", "en", "amount", "5e6 USD"),
    ("USD 3.5 mn", "en", "amount", "3.5e6 USD"),
    ("18%", "en", "percent", "18%"),
    ("18 per cent", "en", "percent", "18%"),
    ("3.5 percent", "en", "percent", "3.5%"),
    ("fourteen", "en", "number", "14"),
    ("twenty-five", "en", "number", "25"),
    ("a dozen", "en", "number", "12"),
    ("1,234,567", "en", "number", "1.234567e6"),
    ("in 2025", "en", "year", "2025"),
    ("2,025", "en", "number", "2025"),
]


@pytest.mark.parametrize(("text", "lang", "kind", "normalised"), QUANTITIES)
def test_extract_quantities(text: str, lang: str, kind: str, normalised: str) -> None:
    found = extract_quantities(text, lang)  # type: ignore[arg-type]
    assert [(q.kind, q.normalised) for q in found] == [(kind, normalised)]


NOT_QUANTITIES = [
    ("COVID-19 and G20", "en"),
    ("the 14th centre", "en"),
    ("5 meters", "en"),
    ("someone", "en"),
]


@pytest.mark.parametrize(("text", "lang"), NOT_QUANTITIES)
def test_digits_inside_words_are_not_quantities(text: str, lang: str) -> None:
    assert [q.value for q in extract_quantities(text, lang) if q.kind != "number"] == []  # type: ignore[arg-type]
    assert all(q.text == "5" for q in extract_quantities(text, lang))  # type: ignore[arg-type]


CROSS = [
    ("Ekspor tumbuh 3,5 persen.", "Exports grew 3.5 percent.", True),
    ("Ekspor tumbuh 3,5 persen.", "Exports grew 3.5%.", True),
    ("Ekspor tumbuh 3,5 persen.", "Exports grew 4.5 percent.", False),
    ("Ekspor tumbuh 3,5 persen.", "Exports grew by 35 percent.", False),
    ("Ekspor tumbuh 3,5 persen.", "Exports grew by 3.5.", False),  # a percent is not a number
    ("Ada 1.234 perajin.", "There are 1,234 craftsmen.", True),
    ("Ada 1.234 perajin.", "There are 1.234 craftsmen.", False),
    ("Ada 1.234.567 warga.", "It has 1,234,567 residents.", True),
    ("Nilainya Rp 1,2 miliar.", "It is worth IDR 1.2 billion.", True),
    ("Nilainya Rp 1,2 miliar.", "It is worth Rp1.2 billion.", True),
    ("Nilainya Rp 1,2 miliar.", "It is worth IDR 1.2 trillion.", False),
    ("Nilainya Rp 1,2 miliar.", "It is worth IDR 12 billion.", False),
    ("Nilainya Rp1.234 miliar.", "It is worth IDR 1.234 trillion.", True),
    ("Nilainya Rp18,05 triliun.", "It is worth IDR 18 trillion.", True),  # 0.3% off
    ("Nilainya Rp18,2 triliun.", "It is worth IDR 18 trillion.", False),  # 1.1% off
    ("Nilainya 18 triliun.", "It is worth US$18 trillion.", True),  # source names no currency
    ("Nilainya US$2 miliar.", "It is worth US$2 billion.", True),
    ("Nilainya US$2 miliar.", "It is worth IDR 2 billion.", False),
    ("Ada tiga aspek utama.", "It has three main aspects.", True),
    ("Ada tiga aspek utama.", "It has four main aspects.", False),
    ("Pada 2025 dan 2026.", "In 2025.", True),
    ("Pada 2025 dan 2026.", "In 2027.", False),
    ("Ada 2.025 perajin.", "In 2025.", False),  # a count is not a year
]


@pytest.mark.parametrize(("source", "summary", "supported"), CROSS)
def test_numbers_across_languages(source: str, summary: str, supported: bool) -> None:
    report = check_fidelity(summary, source)
    numeric = [c for c in report.claims if c.kind != "entity"]
    assert len(numeric) == 1, report.claims
    assert numeric[0].supported is supported


def test_percentages_in_the_seed() -> None:
    ok = check_fidelity("Footwear exports grew 3.5 percent a year.", SEED_PCT)
    assert ok.unsupported == () and ok.numeric_claims == 1
    wrong = check_fidelity("Footwear exports grew 5.3 percent a year.", SEED_PCT)
    assert [c.value for c in wrong.unsupported] == ["5.3%"]


# --- entities -----------------------------------------------------------------------------

# Institutions are matched through the lexicon: "Kementerian Perindustrian" is the Ministry
# of Industry without an English translation; a wrong ministry is still caught.
INSTITUTIONS = [
    ("The Ministry of Industry is helping the craftsmen.", True),
    ("The Central Statistics Agency said investment rose.", True),
    ("Statistics Indonesia said investment rose.", True),
    ("The Ministry of Trade is helping the craftsmen.", False),
    ("The Ministry of Finance said investment rose.", False),
]


@pytest.mark.parametrize(("summary", "supported"), INSTITUTIONS)
def test_institutions_are_matched_through_the_lexicon(summary: str, supported: bool) -> None:
    report = check_fidelity(summary, SEED)
    assert [c.kind for c in report.claims] == ["entity"]
    assert report.claims[0].supported is supported
    assert check_fidelity(summary, SEED, SEED_EN).claims[0].supported is supported


def test_either_source_supports_a_number() -> None:
    summary = "The programme trained 14 craftsmen."
    assert check_fidelity(summary, "Tidak ada angka.").unsupported[0].value == "14"
    assert check_fidelity(summary, "Tidak ada angka.", SEED_EN).unsupported == ()


ENTITY_CASES = [
    ("Presiden José Ramos-Horta hadir.", "Jose Ramos-Horta attended.", True),
    ("Presiden Jose Ramos-Horta hadir.", "José Ramos-Horta attended.", True),
    ("Presiden Jose Ramos-Horta hadir.", "Xanana Gusmao attended.", False),
    ("Di Kabupaten Bogor, Jawa Barat.", "It is in Bogor Regency, West Java.", True),
    ("Di Kota Bogor, Jawa Barat.", "It is in Bogor Regency, West Java.", False),
    ("Kemenperin-Hippindo bekerja sama.", "Hippindo signed the deal.", True),
]


@pytest.mark.parametrize(("source", "summary", "supported"), ENTITY_CASES)
def test_entities_fold_case_and_diacritics(source: str, summary: str, supported: bool) -> None:
    report = check_fidelity(summary, source)
    assert report.claims
    assert all(c.kind == "entity" for c in report.claims)
    assert (report.unsupported == ()) is supported


# --- report -------------------------------------------------------------------------------


def test_empty_summary() -> None:
    report = check_fidelity("", SEED)
    assert report.claims == () and report.unsupported == ()
    assert report.numeric_claims == 0 and report.unsupported_numeric_rate == 0.0
    assert report.to_json() == {
        "checked": 0,
        "unsupported": [],
        "unsupported_numeric_rate": 0.0,
        "unsupported_sentences": [],
        "supported": True,
    }
    assert report.warnings() == []


def test_to_json_and_warnings() -> None:
    report = check_fidelity(
        "Joko Widodo said investment reached more than IDR 20 trillion in 2025 and 14 "
        "craftsmen joined.",
        SEED,
    )
    data = report.to_json()
    assert set(data) == {"checked", "unsupported", "unsupported_numeric_rate",
                         "unsupported_sentences", "supported"}
    assert data["checked"] == 4
    source = next(s for s in split_sentences(SEED, "id") if "Rp18 triliun" in s)
    index = split_sentences(SEED, "id").index(source)
    assert data["unsupported"] == [
        {"kind": "entity", "text": "Joko Widodo", "value": "joko widodo",
         "issue": "not_in_source", "expected": None, "sentence": 0, "source": None},
        {"kind": "amount", "text": "IDR 20 trillion", "value": "2e13 IDR",
         "issue": "value_changed", "expected": "lebih dari Rp18 triliun", "sentence": 0,
         "source": {"index": index, "text": source}},
    ]
    assert data["unsupported_numeric_rate"] == pytest.approx(1 / 3)
    assert data["supported"] is False
    assert report.warnings() == [
        "the summary names 'Joko Widodo', which the article does not mention",
        f"the summary says 'IDR 20 trillion' where article sentence {index} has a different "
        "figure: 'lebih dari Rp18 triliun'",
    ]


def test_repeated_claims_are_counted_once() -> None:
    report = check_fidelity("Ciomas has 40 craftsmen. In Ciomas, 40 craftsmen work.", SEED)
    assert [c.text for c in report.claims] == ["Ciomas", "40"]


def test_claims_are_frozen() -> None:
    report = check_fidelity("Ciomas", SEED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.claims[0].supported = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.claims = ()  # type: ignore[misc]


def test_import_loads_no_model_stack() -> None:
    code = "import sys, service.fidelity; print(sorted({'torch', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("summary", [
    "We've waited a long time for the centres to recover.",
    "I'm sure the centres will recover, the minister said.",
    "Don't expect the centres to recover soon.",
    "They'll need capital, the craftsmen said.",
])
def test_a_contraction_is_not_a_name(summary: str) -> None:
    assert [c.text for c in check_fidelity(summary, SEED).claims if c.kind == "entity"] == []


def test_a_name_with_an_apostrophe_is_still_one() -> None:
    report = check_fidelity("O'Brien said the centres will recover.", SEED)
    assert [(c.text, c.issue) for c in report.unsupported] == [("O'Brien", "not_in_source")]
