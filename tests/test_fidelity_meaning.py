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
    # the Indonesian of the same sentence glosses "pemilihan umum" as a vote: a translation
    # says what its sentence says, not the opposite of its negation
    ("Presiden Ivanov mengatakan dia tidak akan memberikan suaranya pada pemilihan umum "
     "tersebut.",
     "President Ivanov has said he will not be voting in the referendum.",
     "Ivanov said he would not vote in the referendum.",
     "Ivanov said he would vote in the referendum."),
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


CENTURY = [
    ("Bolivia kehilangan garis pantainya ke Chile dalam sebuah konflik berdarah abad ke 19.",
     "Bolivia lost its coastline to Chile in a bloody 19th-century conflict."),
    ("Harapan itu kini memuncak, karena Bolivia menunggu ketetapan dari pengadilan pada "
     "tanggal 1 Oktober sesudah perundingan selama lima tahun.",
     "Those hopes are at their highest, as Bolivia awaits a ruling by the court on 1 October "
     "after five years of deliberations."),
]


@pytest.mark.parametrize("reading", ["with English", "without English"])
@pytest.mark.parametrize(("written", "finding"), [
    ("19th-century", None), ("18th-century", "period_changed")])
def test_an_ordinal_is_checked_against_the_article_where_its_sentences_give_none(
        reading: str, written: str, finding: str | None) -> None:
    # The claim fuses both sentences; the century may be attributed to the second only,
    # which counts no century, so the article's own century decides.
    summary = (f"Bolivia, which lost its coastline to Chile in a bloody {written} conflict, "
               "awaits a ruling by the court on 1 October after five years of deliberations.")
    report = check_fidelity(summary, [i for i, _ in CENTURY],
                            [e for _, e in CENTURY] if reading == "with English" else None)
    issues = [(c.kind, c.issue, c.expected) for c in report.unsupported]
    if finding is None:
        assert issues == []
    else:
        ((kind, issue, expected),) = issues
        assert (kind, issue) == ("period", finding)
        assert expected in {"ke 19", "19th"}


# (Indonesian sentence, a summary naming its institution in English, the same with one word
# of the name changed)
TRANSLATED_NAMES = [
    ("Ford bersaksi di depan Komite Senat pada hari Kamis.",
     "Ford testified before the Senate Committee on Thursday.",
     "Ford testified before the Senate Tribunal on Thursday."),
    ("Jajak pendapat itu diterbitkan oleh Institusi Penelitian Kebijakan pada hari Senin.",
     "The poll was published by the Institute for Policy Research on Monday.",
     "The poll was published by the Institute for Policy Studies on Monday."),
    ("Dia berbicara dalam Siaran Langsung Instagram kepada para pengikutnya.",
     "He spoke in an Instagram Live broadcast to his followers.",
     "He spoke in a Facebook Live broadcast to his followers."),
    ("Beberapa komitmen utama antara lain The Power of Nutrition, kemitraan yang berbasis di "
     "Inggris, menjanjikan 35 juta dolar.",
     "The UK-based Power of Nutrition pledged $35 million.",
     "The UK-based Power of Water pledged $35 million."),
    ("Senator Arizona Jeff Flake mengatakan dia hanya akan mendukung pencalonan itu.",
     "Arizona Sen. Jeff Flake said he would only back the nomination.",
     "Arizona Sen. Jeff Sessions said he would only back the nomination."),
]


@pytest.mark.parametrize(("indonesian", "faithful", "planted"), TRANSLATED_NAMES,
                         ids=["committee", "loanword", "broadcast", "attributive", "sen"])
def test_a_translated_name_meets_its_indonesian_without_english(
        indonesian: str, faithful: str, planted: str) -> None:
    # Without a translation the English name must be found in the Indonesian words: a
    # dictionary's words, a loanword's stem, a title written short, "UK-based" as "UK".
    assert check_fidelity(faithful, [indonesian]).unsupported == ()
    found = check_fidelity(planted, [indonesian]).unsupported
    assert [c.issue for c in found] == ["not_in_source"], found


PLACING = [
    ("Bolivia menunggu putusan pengadilan internasional di Den Haag.",
     "Bolivia awaits the ruling of the international court in The Hague."),
    ("Mantan presiden Eduardo Rodríguez, wakil pemerintah Bolivia di Den Haag, menolak ide "
     "pengambilan keputusan pengadilan secara cepat.",
     "Former president Eduardo Rodríguez, the Bolivian government's representative in The "
     "Hague, rejected the idea of a quick court decision."),
    ("Badan PBB itu tidak memiliki kuasa untuk menyerahkan wilayah Chili, dan tidak akan "
     "memutuskan hasil dari perundingan.",
     "The UN body has no power to award Chilean territory, and will not determine the "
     "outcome of talks."),
]


@pytest.mark.parametrize(("summary", "issues"), [
    ("Chile's government has said it will respect the court's decision whatever the outcome.",
     [("Chile's", "participant_elsewhere")]),
    ("The UN body has no power to award Chilean territory.", []),
    ("Bolivia's government rejected the idea of a quick court decision.", []),
])
def test_one_shared_word_does_not_place_a_name(summary: str,
                                               issues: list[tuple[str, str]]) -> None:
    # The claim is the second sentence's (government, court, decision); the third names
    # Chile but shares only "outcome" with it.
    report = check_fidelity(summary, [i for i, _ in PLACING], [e for _, e in PLACING])
    assert [(c.text, c.issue) for c in report.unsupported] == issues


RED_CROSS = [
    ("Nugroho mengatakan korban bisa lebih besar di Donggala, sebelah utara Palu.",
     "Nugroho said the casualties could be greater in Donggala, north of Palu."),
    ("Ada lebih dari 300.000 orang yang tinggal di sana,” kata pihak Palang Merah dalam sebuah "
     "pernyataan.",
     'There are more than 300,000 people living there," the Red Cross said in a statement.'),
    ("Jumlah pengungsi terus bertambah, ujar seorang anggota parlemen Sulawesi Tengah.",
     "The number of evacuees keeps growing, a Central Sulawesi lawmaker said."),
]


@pytest.mark.parametrize("reading", ["with English", "without English"])
@pytest.mark.parametrize(("summary", "issues"), [
    ("The Red Cross said more than 300,000 people live in Donggala.", []),
    ("Nugroho said more than 300,000 people live in Donggala.",
     [("Nugroho", "speaker_mismatch")]),
    ("A Central Sulawesi lawmaker said the number of evacuees keeps growing.", []),
])
def test_a_described_speaker_is_read_after_the_indonesian_verb(
        reading: str, summary: str, issues: list[tuple[str, str]]) -> None:
    # "kata pihak Palang Merah": the Red Cross, after a word that describes it; "ujar
    # seorang anggota parlemen Sulawesi Tengah" names no speaker, only where one is from.
    report = check_fidelity(summary, [i for i, _ in RED_CROSS],
                            [e for _, e in RED_CROSS] if reading == "with English" else None)
    assert [(c.text, c.issue) for c in report.unsupported] == issues


CARMAKERS = [
    "Produsen mobil Inggris lainnya telah menyatakan kekhawatiran mereka mengenai keluarnya "
    "dari Uni Eropa tanpa perjanjian, termasuk Honda, BMW, dan Jaguar Land Rover.",
    "BMW, misalnya, mengatakan akan menutup pabrik Mini di Oxford beberapa bulan setelah "
    "Brexit.",
    'Lini produksi Toyota dijalankan berdasarkan prinsip produksi "tepat waktu", dengan suku '
    "cadang yang masuk setiap 37 menit dari pemasok di Inggris dan Uni Eropa.",
]


@pytest.mark.parametrize(("carmaker", "issues"), [
    ("Toyota's", []), ("BMW's", [("BMW's", "participant_elsewhere")])])
def test_a_name_is_placed_by_the_dictionary_words_of_its_sentence(
        carmaker: str, issues: list[tuple[str, str]]) -> None:
    # Without English, "lini", "dijalankan" and "tepat waktu" are the claim's line, run
    # and time only through WikDict: the sentence the claim is from must be found to see
    # that it names Toyota, not BMW.
    summary = (f'{carmaker} production line runs on a "just-in-time" basis, with parts '
               "arriving every 37 minutes from suppliers in the UK and the EU.")
    assert [(c.text, c.issue) for c in check_fidelity(summary, CARMAKERS).unsupported] == issues


SEA = [
    "Banyak orang Bolivia berharap pengadilan akan menyokong tuntutan Bolivia bahwa Chile "
    "wajib untuk menegosiasikan jaminan kedaulatan Bolivia atas lautan.",
    "Badan PBB yang berbasis di Belanda tidak memiliki kuasa untuk menyerahkan wilayah Chili.",
]


@pytest.mark.parametrize(("country", "issues"), [
    ("Chile", []), ("the Netherlands", [("Netherlands", "participant_elsewhere")])])
def test_obliged_and_sea_place_a_claim_without_english(
        country: str, issues: list[tuple[str, str]]) -> None:
    # "wajib" (obliged) and "lautan" (ocean, the sea) are what tie the claim to its
    # sentence; with too few of its words found, no name in it can be placed.
    summary = (f"Bolivia claims that {country} is obliged to negotiate granting it a "
               "sovereign outlet to the sea.")
    assert [(c.text, c.issue) for c in check_fidelity(summary, SEA).unsupported] == issues
