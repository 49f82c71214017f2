"""Tests for service.text.segment: sentence splitting and overlong-sentence cuts."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.text import segment
from service.text.clean import clean_article
from service.text.segment import abbreviations, split_overlong, split_sentences

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d67792ced336d87c.txt"

BRIEF_TEXT = (
    "Nilai investasi mencapai Rp18 triliun. Menurut No. 5 tahun 2020 dll. dan seterusnya. "
    "Dr. Budi hadir di Jl. Sudirman No. 12. Harga naik 3,5 persen. Ia datang pukul 10.30 WIB. "
    "Lalu pulang."
)
BRIEF_EXPECTED = [
    "Nilai investasi mencapai Rp18 triliun.",
    "Menurut No. 5 tahun 2020 dll. dan seterusnya.",
    "Dr. Budi hadir di Jl. Sudirman No. 12.",
    "Harga naik 3,5 persen.",
    "Ia datang pukul 10.30 WIB.",
    "Lalu pulang.",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BRIEF_TEXT, BRIEF_EXPECTED),
        ("", []),
        ("   \n\n  ", []),
        ("Satu kalimat tanpa titik", ["Satu kalimat tanpa titik"]),
        (
            "“Di sisi lain, sentra IKM juga dihadapkan pada produk impor,” ujar Menperin. "
            "“Kami siap!” kata dia.",
            [
                "“Di sisi lain, sentra IKM juga dihadapkan pada produk impor,” ujar Menperin.",
                "“Kami siap!” kata dia.",
            ],
        ),
        (
            "Harga naik 3,5 persen. Inflasi 2,75 persen.",
            ["Harga naik 3,5 persen.", "Inflasi 2,75 persen."],
        ),
        (
            "Rapat pukul 10.30 WIB. Selesai 12.00 WIB.",
            ["Rapat pukul 10.30 WIB.", "Selesai 12.00 WIB."],
        ),
        (
            "Nilainya Rp18 triliun. Naik Rp2,5 miliar.",
            ["Nilainya Rp18 triliun.", "Naik Rp2,5 miliar."],
        ),
        ("Harga Rp. 5.000 per kg. Naik lagi.", ["Harga Rp. 5.000 per kg.", "Naik lagi."]),
        (
            "Ia lahir di Kab. Bogor, Prov. Jawa Barat. Ia pindah.",
            ["Ia lahir di Kab. Bogor, Prov. Jawa Barat.", "Ia pindah."],
        ),
        (
            "Hadir Prof. Dr. Ir. H. Budi, M.Si. dan Hj. Siti. Acara usai.",
            ["Hadir Prof. Dr. Ir. H. Budi, M.Si. dan Hj. Siti.", "Acara usai."],
        ),
        ("Saham PT. ABC Tbk. naik. Lalu turun.", ["Saham PT. ABC Tbk. naik.", "Lalu turun."]),
        # sentence-final abbreviations still end a sentence before a capital
        (
            "Ia membeli beras, gula, dll. Kemudian pulang.",
            ["Ia membeli beras, gula, dll.", "Kemudian pulang."],
        ),
        (
            "Saham PT Bank Central Asia Tbk. Sementara itu harga naik.",
            ["Saham PT Bank Central Asia Tbk.", "Sementara itu harga naik."],
        ),
        ("Budi dkk. menulis laporan. Ia senang.", ["Budi dkk. menulis laporan.", "Ia senang."]),
        ("Apa? Ya! Tidak... Oke.", ["Apa?", "Ya!", "Tidak...", "Oke."]),
        ("Pukul 10.30. 45 orang hadir.", ["Pukul 10.30.", "45 orang hadir."]),
        # a piece that starts with closing punctuation belongs to the sentence before it
        ("Ia pergi... ) kata dia. Selesai.", ["Ia pergi... ) kata dia.", "Selesai."]),
        ("Ia pergi. . Lalu.", ["Ia pergi. .", "Lalu."]),
        ("Itu benar! ” kata dia.", ["Itu benar! ” kata dia."]),
        # a single newline is a space; a blank line always ends a sentence
        ("Baris satu\nbaris dua. Kalimat tiga.", ["Baris satu baris dua.", "Kalimat tiga."]),
        ("Judul tanpa titik\n\nkata dia.", ["Judul tanpa titik", "kata dia."]),
    ],
)
def test_split_sentences_id(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
    assert split_sentences(text, "id") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith went to Washington. He met Dr. Jones at 3 p.m. on Jan. 5. Then he left.",
            [
                "Mr. Smith went to Washington.",
                "He met Dr. Jones at 3 p.m. on Jan. 5.",
                "Then he left.",
            ],
        ),
        (
            "The U.S. economy grew 3.5 percent. Prices rose.",
            ["The U.S. economy grew 3.5 percent.", "Prices rose."],
        ),
        ("He cited e.g. three cases. It ended.", ["He cited e.g. three cases.", "It ended."]),
        ("It was Apple Inc. The firm agreed.", ["It was Apple Inc.", "The firm agreed."]),
        ("", []),
    ],
)
def test_split_sentences_en(text: str, expected: list[str]) -> None:
    assert split_sentences(text, lang="en") == expected


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        # sentencex pieces keep their whitespace; a cut inside a number has none
        (["Pukul 10.", "30 WIB. ", "Lalu."], ["Pukul 10.30 WIB. ", "Lalu."]),
        (["Tahun 2020. ", "25 orang hadir."], ["Tahun 2020. ", "25 orang hadir."]),
        (["Di Jl. ", "Sudirman. ", "Lalu."], ["Di Jl. Sudirman. ", "Lalu."]),
        (["Beras, dll. ", "Kemudian."], ["Beras, dll. ", "Kemudian."]),
        (["(Prof. ", "Budi) hadir."], ["(Prof. Budi) hadir."]),
        (["A. ", "  "], ["A.   "]),
    ],
)
def test_merge_pass(pieces: list[str], expected: list[str]) -> None:
    assert segment._merge(pieces, abbreviations("id")) == expected


def test_abbreviation_tables() -> None:
    id_, en = abbreviations("id"), abbreviations("en")
    for abbr in ("no", "jl", "dr", "h", "hj", "rp", "pt", "a.n", "irjen", "kombes", "pol",
                 "tgl", "th", "pkl", "brigjen"):
        assert abbr in id_.always
    for abbr in ("dll", "tbk", "s.h", "m.si"):
        assert abbr in id_.final
    for abbr in ("mr", "mrs", "dr", "e.g", "i.e"):
        assert abbr in en.always
    for abbr in ("jan", "dec"):  # "Oct. 5" joins; "in Oct. The" ends a sentence
        assert abbr in en.final
    for abbr in ("jan", "agt", "des"):
        assert abbr in id_.final
    assert "u.s" in en.final


def test_seed_body_sentences() -> None:
    body = clean_article(SEED.read_text(encoding="utf-8")).body
    sentences = split_sentences(body)
    # 13 paragraphs; two of them ("Melalui Direktorat ...", "Salah satu sentra ...") hold two
    # sentences each.
    assert len(sentences) == 15
    assert sentences[0].startswith("Jakarta (ANTARA) - Kementerian Perindustrian")
    assert sentences[3] == (
        "“Di sisi lain, sentra IKM juga dihadapkan pada perubahan tren pasar yang cepat dan "
        "meningkatnya persaingan dengan produk impor,” ujar Menperin."
    )
    assert sentences[5].startswith("Langkah ini ditujukan")
    assert sentences[7].startswith("Dari hasil kunjungan")
    assert sentences[10].endswith("lebih dari Rp18 triliun.")
    assert sentences[-1] == (
        "Katanya, sebanyak 14 perajin perwakilan sentra IKM alas kaki Ciomas terlibat langsung "
        "dalam program tersebut."
    )
    # nothing lost or invented
    assert " ".join(sentences).split() == body.split()


def _words_text(n_chars: int) -> str:
    words: list[str] = []
    i = 0
    while sum(len(w) + 1 for w in words) < n_chars:
        words.append(f"kata{i % 97}" + "x" * (i % 13))
        i += 1
    return " ".join(words)[:n_chars].rstrip()


@pytest.mark.parametrize("max_chars", [1, 7, 50, 500, 4000])
def test_split_overlong_no_punctuation(max_chars: int) -> None:
    sentence = _words_text(20_000)
    assert len(sentence) >= 19_990 and not any(c in sentence for c in ".,;:")
    pieces = split_overlong(sentence, max_chars)
    assert all(0 < len(p) <= max_chars for p in pieces)
    if max_chars >= 20:  # no token is longer than that: no hard cuts at all
        assert " ".join(pieces).split() == sentence.split()
        assert all(p == p.strip() for p in pieces)
        assert len(pieces) < 2 * len(sentence) / max_chars + 1  # packed, not one word each
    else:
        assert "".join(pieces) == "".join(sentence.split())


def test_split_overlong_hard_cuts_only_long_token() -> None:
    token = "a" * 20_000
    pieces = split_overlong(f"awal {token} akhir", 300)
    assert pieces[0] == "awal"
    assert pieces[-1].endswith("akhir")
    assert all(len(p) <= 300 for p in pieces)
    assert "".join(pieces).replace(" ", "") == f"awal{token}akhir"


@pytest.mark.parametrize(
    ("sentence", "max_chars", "expected"),
    [
        ("Pendek saja.", 100, ["Pendek saja."]),
        ("  spasi   ganda  ", 100, ["spasi ganda"]),
        ("", 10, []),
        ("satu, dua; tiga: empat", 10, ["satu, dua;", "tiga:", "empat"]),
        ("Harga 3,5 persen, naik", 12, ["Harga 3,5", "persen, naik"]),
        (
            "Ia datang – lalu pergi — cepat sekali",
            12,
            ["Ia datang –", "lalu pergi —", "cepat sekali"],
        ),
        (
            "Kemenperin memperkuat pemulihan, bimbingan teknis produksi, pendampingan usaha.",
            40,
            [
                "Kemenperin memperkuat pemulihan,",
                "bimbingan teknis produksi,",
                "pendampingan usaha.",
            ],
        ),
        # a clause that is itself too long falls back to words
        ("aaa bbb ccc ddd eee, f", 8, ["aaa bbb", "ccc ddd", "eee, f"]),
    ],
)
def test_split_overlong_clauses(sentence: str, max_chars: int, expected: list[str]) -> None:
    pieces = split_overlong(sentence, max_chars)
    assert pieces == expected
    assert " ".join(pieces).split() == sentence.split()


@pytest.mark.parametrize("max_chars", [0, -5])
def test_split_overlong_rejects_bad_limit(max_chars: int) -> None:
    with pytest.raises(ValueError):
        split_overlong("kata", max_chars)


@pytest.mark.parametrize("text", [
    "Det. Dennis McCarthy said two men fled. Police are searching.",
    "Insp. Budi Santoso said two men fled. Police are searching.",
    "Rev. Jesse Jackson said two men fled. Police are searching.",
])
def test_a_rank_or_title_abbreviation_stays_with_its_name(text: str) -> None:
    first, second = split_sentences(text, "en")
    assert first.endswith("two men fled.") and second == "Police are searching."
