"""Meaning-level findings of the fidelity check: a claim's direction or polarity flipped, the
wrong speaker, a name put into another's claim, a changed period or role, and place names
across the two languages.

Each finding is tried on a short article made for it, read both ways the service reads an
article: the Indonesian alone, and the Indonesian with its English translation. The faithful
summary has no finding; the summary with one change has exactly that change's finding.
"""

from __future__ import annotations

import pytest

from service.fidelity import check_fidelity
from service.fidelity.report import Claim

ARTICLE = [
    ("Ekspor kopi Indonesia naik 12 persen pada kuartal kedua 2025, kata Kepala BPS Amalia "
     "Widyasanti di Jakarta.",
     "Indonesia's coffee exports rose 12 percent in the second quarter of 2025, BPS head "
     "Amalia Widyasanti said in Jakarta."),
    ("Sementara itu, impor beras dari Thailand turun tajam karena panen raya di Jawa Tengah.",
     "Meanwhile, rice imports from Thailand fell sharply because of a bumper harvest in "
     "Central Java."),
    ("Juru bicara Kementerian Perdagangan Budi Santoso mengatakan pemerintah tidak akan "
     "menaikkan pajak ekspor kopi tahun ini.",
     "Trade Ministry spokesman Budi Santoso said the government will not raise the coffee "
     "export tax this year."),
    ("Di Vietnam, para petani kopi mengeluhkan harga pupuk yang mahal.",
     "In Vietnam, coffee farmers complained about expensive fertiliser."),
    ("Perusahaan asal Belanda itu menolak tawaran dari Tiongkok.",
     "The Dutch company rejected an offer from China."),
]
ID = [i for i, _ in ARTICLE]
EN = [e for _, e in ARTICLE]

FAITHFUL = {
    "direction": "Indonesia's coffee exports rose 12 percent in the second quarter of 2025.",
    "polarity": "Spokesman Budi Santoso said the government will not raise the coffee export "
                "tax this year.",
    "speaker": "Coffee exports rose 12 percent in the second quarter of 2025, Amalia "
               "Widyasanti said.",
    "participant": "Meanwhile, rice imports from Thailand fell sharply because of a bumper "
                   "harvest in Central Java.",
    "period": "Coffee exports rose 12 percent in the second quarter of 2025.",
    "role": "Budi Santoso, the spokesman for the trade ministry, said the government will not "
            "raise the coffee export tax this year.",
    "places": "The company from the Netherlands rejected an offer from China.",
}

# (case, the faithful words, the planted words, the finding's kind, text and issue)
PLANTED = [
    ("direction", "rose", "fell", "predicate", "fell", "direction_mismatch"),
    ("polarity", "will not raise", "will raise", "predicate", "raise", "polarity_mismatch"),
    ("speaker", "Amalia Widyasanti said", "Budi Santoso said", "speaker", "Budi Santoso",
     "speaker_mismatch"),
    ("participant", "from Thailand", "from Vietnam", "entity", "Vietnam",
     "participant_elsewhere"),
    ("period", "second quarter", "third quarter", "period", "third", "period_changed"),
    ("role", "the spokesman for", "the director of", "role", "director", "title_changed"),
    ("places", "from China", "from Japan", "entity", "Japan", "not_in_source"),
]

READINGS = {"with English": EN, "without English": None}


def _findings(summary: str, english: list[str] | None) -> list[Claim]:
    return list(check_fidelity(summary, ID, english).unsupported)


@pytest.mark.parametrize("reading", READINGS)
@pytest.mark.parametrize("case", FAITHFUL)
def test_a_faithful_summary_has_no_finding(case: str, reading: str) -> None:
    report = check_fidelity(FAITHFUL[case], ID, READINGS[reading])
    assert report.unsupported == (), report.unsupported
    assert report.sentences == ()


@pytest.mark.parametrize("reading", READINGS)
@pytest.mark.parametrize(("case", "faithful", "planted", "kind", "text", "issue"), PLANTED,
                         ids=[p[0] for p in PLANTED])
def test_one_change_gives_exactly_its_finding(case: str, faithful: str, planted: str,
                                              kind: str, text: str, issue: str,
                                              reading: str) -> None:
    assert faithful in FAITHFUL[case]
    summary = FAITHFUL[case].replace(faithful, planted)
    found = _findings(summary, READINGS[reading])
    assert [(c.kind, c.text, c.issue) for c in found] == [(kind, text, issue)]
    (claim,) = found
    assert claim.sentence == 0
    if issue != "not_in_source":
        assert claim.source is not None and claim.source_text == ID[claim.source]


def test_the_speaker_finding_names_who_the_article_says_it() -> None:
    summary = FAITHFUL["speaker"].replace("Amalia Widyasanti said", "Budi Santoso said")
    (claim,) = _findings(summary, EN)
    assert claim.expected is not None and "Amalia Widyasanti" in claim.expected
    assert claim.source == 0


def test_the_direction_finding_names_the_source_word() -> None:
    (claim,) = _findings(FAITHFUL["direction"].replace("rose", "fell"), None)
    assert claim.expected == "naik"
    assert claim.to_json()["issue"] == "direction_mismatch"


def test_the_role_finding_names_the_role_the_article_gives() -> None:
    summary = FAITHFUL["role"].replace("the spokesman for", "the director of")
    (claim,) = _findings(summary, EN)
    assert claim.expected is not None and claim.expected.lower() in {"spokesman", "juru bicara"}


@pytest.mark.parametrize(("summary", "named"), [
    ("The Dutch company rejected an offer from China.", {"Dutch", "China"}),
    ("The company from the Netherlands rejected an offer from China.",
     {"Netherlands", "China"}),
])
def test_place_names_are_read_across_the_languages(summary: str, named: set[str]) -> None:
    # Belanda is the Netherlands and Tiongkok is China: names only a gazetteer knows.
    report = check_fidelity(summary, ID)
    assert {c.text for c in report.claims if c.kind == "entity"} >= named
    assert report.unsupported == ()


# (Indonesian, its English, a faithful summary sentence, the same with its negation dropped)
NEGATED = [
    ("Presiden Ivanov mengatakan dia tidak akan ikut memilih dalam referendum itu.",
     "President Ivanov said he will not be voting in the referendum.",
     "Ivanov said he would not vote in the referendum.",
     "Ivanov said he would vote in the referendum."),
    ('"Kami tidak tahu apa yang akan mereka temukan di sana," kata Gelfand.',
     '"We don\'t know what they\'ll find there," Gelfand said.',
     "Gelfand said they did not know what they would find there.",
     "Gelfand said they knew what they would find there."),
]


@pytest.mark.parametrize(("indonesian", "english", "faithful", "planted"), NEGATED)
def test_a_dropped_negation_is_found_across_tenses(indonesian: str, english: str,
                                                   faithful: str, planted: str) -> None:
    assert check_fidelity(faithful, [indonesian], [english]).unsupported == ()
    found = check_fidelity(planted, [indonesian], [english]).unsupported
    assert [c.issue for c in found] == ["polarity_mismatch"]


@pytest.mark.parametrize(("indonesian", "english", "summary"), [
    # the claim negates the same thing around another word
    ("Energi tidak bisa dijadikan alat untuk melakukan tekanan, kata Novak.",
     "Energy cannot be used as a tool of pressure, Novak said.",
     "Novak said energy cannot be used as a tool of pressure."),
    ("Komisi pemilihan mengatakan belum ada laporan pelanggaran hingga pukul 1 siang.",
     "The election commission said there were no reports of irregularities by 1 p.m.",
     "The election commission reported no irregularities by 1 p.m."),
])
def test_a_negation_said_around_another_word_is_no_finding(indonesian: str, english: str,
                                                           summary: str) -> None:
    for reading in ([english], None):
        assert check_fidelity(summary, [indonesian], reading).unsupported == ()


def test_a_name_in_a_subordinate_clause_is_placed_by_that_clause() -> None:
    indonesian = [
        "Pria berusia 21 tahun itu menolak meninggalkan menara kontrol bandara Palu.",
        "Dia bertahan untuk memastikan Penerbangan Batik Air nomor 6321 lepas landas dengan "
        "selamat.",
    ]
    english = [
        "The 21-year-old refused to leave the control tower of Palu airport.",
        "He stayed to make sure Batik Air Flight 6321 took off safely.",
    ]
    summary = ("The 21-year-old refused to leave the control tower of Palu airport until "
               "Batik Air Flight 6321 had taken off safely.")
    assert check_fidelity(summary, indonesian, english).unsupported == ()
    moved = summary.replace("Palu airport", "the Batik Air airport").replace(
        "Batik Air Flight 6321", "the flight")
    assert [c.issue for c in check_fidelity(moved, indonesian, english).unsupported] == [
        "participant_elsewhere"]
