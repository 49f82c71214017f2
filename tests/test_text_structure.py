"""Text in, text out, exactly: sentence boundaries with quotes and abbreviations, lists,
tables and line breaks kept through translation, headlines and link lines told from body
text, and English number style in English output. Measured on NTREX-128 where it can be
(every document, curly and straight quotes), and driven through the HTTP API and the CLI
with engines whose output shows what reached them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval.dataset import ntrex_documents
from eval.segmentation import boundary_score
from service.api import create_app
from service.cli import main
from service.config import Settings
from service.engine import Engine, EngineWrapper, GenerationParams
from service.fidelity.number_style import english_style
from service.text.clean import clean_article, html_to_text
from service.text.segment import layout, render, split_sentences
from tests.conftest import RecordingEngine

# --- boundaries, measured -------------------------------------------------------------


@pytest.mark.parametrize("variant", ["curly", "straight"])
def test_boundaries_on_ntrex_meet_the_floor(variant: str) -> None:
    score = boundary_score(ntrex_documents(), variant)
    assert score.reference > 1700  # every document was read
    assert score.precision >= 0.98, score
    assert score.recall >= 0.95, score


def test_no_sentence_ends_with_the_quote_that_opens_the_next() -> None:
    """Over NTREX, its lines run together and as paragraphs of their own."""
    ending_open = re.compile(r"(?:^|\s)[\"“‘']+$|[“‘]$")
    for doc in ntrex_documents():
        for text in (" ".join(doc.source), "\n\n".join(doc.source)):
            for sentence in split_sentences(text, "id"):
                assert not ending_open.search(sentence), (doc.doc_id, sentence)


def test_straight_quotes_open_sentences() -> None:
    text = 'Dia tiba pukul 10.00 WIB. "Kami siap," kata dia. "Semua aman." Lalu dia pergi.'
    assert split_sentences(text) == ["Dia tiba pukul 10.00 WIB.", '"Kami siap," kata dia.',
                                     '"Semua aman."', "Lalu dia pergi."]


def test_a_quote_opened_at_a_paragraph_end_goes_with_the_next_paragraph() -> None:
    text = ("Trump berbicara lebih optimis, kata dia. “\n\nJika kita berperang dengan Korea "
            "Utara, jutaan orang akan terbunuh.”")
    assert split_sentences(text) == [
        "Trump berbicara lebih optimis, kata dia.",
        "“Jika kita berperang dengan Korea Utara, jutaan orang akan terbunuh.”"]


def test_sentences_inside_a_quotation_are_split() -> None:
    text = "“Kami senang. Kami juga berinvestasi,” kata dia. Pabrik itu dibuka."
    assert split_sentences(text) == ["“Kami senang.", "Kami juga berinvestasi,” kata dia.",
                                     "Pabrik itu dibuka."]


@pytest.mark.parametrize("sentence", [
    "PT Bank Central Asia Tbk. (BBCA) naik 2 persen.",
    "Irjen Pol. Karyoto memimpin operasi itu.",
    "Kombes Pol. Ade Ary menjelaskan kronologinya.",
    "Rapat digelar tgl. 5 Mei di Jakarta.",
    "Ia lahir th. 1990 di Medan.",
    "Acara dimulai pkl. 09.00 WIB di balai kota.",
    "Brigjen. Ahmad Ramadhan menyampaikan keterangan.",
    # these were right and stay right
    "Dr. Budi hadir di Jl. Sudirman No. 12 pagi ini.",
    "Kantor PT. Maju Jaya berada di Bogor.",
    "Pengacara Andi, S.H., M.H. mendampingi tersangka.",
])
def test_abbreviations_do_not_end_sentences(sentence: str) -> None:
    assert split_sentences(f"{sentence} Kalimat berikutnya dimulai.") == [
        sentence, "Kalimat berikutnya dimulai."]


def test_an_abbreviation_that_may_end_a_sentence_does() -> None:
    assert split_sentences("Ia membeli beras, gula, dll. Kemudian ia pulang.") == [
        "Ia membeli beras, gula, dll.", "Kemudian ia pulang."]


# --- layout ------------------------------------------------------------------------------


def test_layout_keeps_lists_cells_lines_and_paragraphs() -> None:
    text = ("Tiga langkah:\n- Menambah stok beras\n- Operasi pasar\n\nBarang\tHarga\n"
            "Beras\tRp12.000\n\nBaris ini berakhir.\nBaris berikutnya juga.")
    segments = layout(text)
    assert [s.text for s in segments] == [
        "Tiga langkah:", "Menambah stok beras", "Operasi pasar", "Barang", "Harga", "Beras",
        "Rp12.000", "Baris ini berakhir.", "Baris berikutnya juga."]
    assert render(segments, [s.text for s in segments]) == text


@pytest.mark.parametrize("text", [
    '"', "“", "'" * 3, "1. “\n2. Harga naik.", "- “\nHalo.",
    "Dia berkata: “\n1. Harga naik.", "Budi\t\tJakarta\n\t30\tBogor", "\t\tx",
    "Nama\tUmur\nBudi\t",
])
def test_layout_loses_and_moves_nothing(text: str) -> None:
    """Every character of the source comes back, in its order, around each segment."""
    segments = layout(text)
    assert render(segments, [s.text for s in segments]) == text


def test_long_runs_are_split_in_linear_time() -> None:
    """A run the merge rules read again and again (a long line run on, a long piece, many
    abbreviations) is read once: these finish in well under the per-test timeout."""
    assert len(split_sentences("a\n" * 50_000)) == 1
    assert len(split_sentences("…" * 50_000 + " A")) >= 1
    assert len(split_sentences("Jl. " * 25_000)) == 1


def test_wrapped_prose_is_one_sentence() -> None:
    text = ("Menteri Perindustrian meresmikan pabrik alas kaki yang baru di\nkawasan Ciomas, "
            "Bogor, pada hari Senin.")
    assert split_sentences(text) == [" ".join(text.split())]


def test_html_table_cells_are_separated_and_rows_are_lines() -> None:
    html = ("<p>Harga pangan pekan ini:</p><table><tr><th>Barang</th><th>Harga</th></tr>"
            "<tr><td>Beras</td><td>Rp12.000</td></tr><tr><td>Gula</td><td>Rp15.000</td></tr>"
            "</table>")
    assert html_to_text(html) == ("Harga pangan pekan ini:\n\nBarang\tHarga\nBeras\tRp12.000\n"
                                  "Gula\tRp15.000")
    body = clean_article(html, html=True).body
    assert "Rp12.000" in split_sentences(body)


# --- headlines and page debris -----------------------------------------------------------

BODY = "Jakarta (ANTARA) - Harga beras naik tajam pekan ini di sejumlah pasar."


@pytest.mark.parametrize("first", ["Mengapa harga beras terus naik?", "Harga beras naik lagi!"])
def test_a_question_or_exclamation_first_is_body_text(first: str) -> None:
    article = clean_article(f"{first}\n\n{BODY}")
    assert article.title is None
    assert article.paragraphs == (first, BODY)


def test_a_related_link_label_alone_takes_its_headline_with_it() -> None:
    text = f"{BODY}\n\nBaca Juga\nHarga cabai di Bogor melonjak dua kali lipat\n\nLalu harga turun."
    article = clean_article(text)
    assert article.paragraphs == (BODY, "Lalu harga turun.")
    assert article.removed_lines == 2


@pytest.mark.parametrize("after", [
    "Pemerintah menambah stok beras di 30 gudang.",
    # a subheading in a paragraph of its own: the label links to nothing in its own block
    "Dampak ke Petani",
])
def test_a_related_link_label_never_takes_the_next_paragraph(after: str) -> None:
    text = f"{BODY}\n\nBaca juga:\n\n{after}\n\nLalu harga turun."
    assert clean_article(text).paragraphs == (BODY, after, "Lalu harga turun.")


def test_a_related_link_label_never_takes_wrapped_prose() -> None:
    text = (f"{BODY}\nBaca juga\nPemerintah pada Senin mengumumkan kebijakan baru yang\n"
            "akan berlaku bulan depan.")
    assert clean_article(text).paragraphs == (
        f"{BODY}\nPemerintah pada Senin mengumumkan kebijakan baru yang akan berlaku bulan "
        "depan.",)


def test_a_question_headline_kept_as_body_leaves_the_dateline_found() -> None:
    article = clean_article(f"Harga Beras Naik Lagi?\n\n{BODY}")
    assert article.paragraphs[0] == "Harga Beras Naik Lagi?"
    assert article.dateline == "Jakarta"


@pytest.mark.parametrize(("line", "kept"), [
    ("Sumber: harga beras naik lima persen.", True),
    ("Sumber: pedagang di pasar itu mengeluhkan sepinya pembeli.", True),
    ("Sumber: Badan Pusat Statistik", False),
    ("Foto: ANTARA/Arif Firmansyah", False),
    ("Pewarta: Sean Filo Muhamad", False),
    ("Foto: dok. pribadi", False),
    ("Foto: tangkapan layar", False),
    ("Sumber: kompas.com, detik.com", False),
    ("Sumber: diolah dari berbagai sumber", False),
    ("Editor: Budi Santoso, Ahmad Yani, Citra Dewi, Dodi Hermawan, Eko", False),
])
def test_credit_lines_are_names_and_body_sentences_stay(line: str, kept: bool) -> None:
    paragraphs = clean_article(f"{BODY}\n\n{line}").paragraphs
    assert (line in paragraphs) is kept


# --- through the API and the CLI ----------------------------------------------------------


class Tagging(EngineWrapper):
    """Answers each input as ``<input>``: the output shows every segment the model got."""

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None,
                 ) -> list[str]:
        return [f"<{t}>" for t in texts]


class Fixed(EngineWrapper):
    """Answers each input with the translation the test gives for it."""

    def __init__(self, inner: Engine, answers: Mapping[str, str]) -> None:
        super().__init__(inner)
        self.answers = dict(answers)

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None,
                 ) -> list[str]:
        return [self.answers[t] for t in texts]


def _translate(settings: Settings, engines: Mapping[str, Engine], engine: Engine,
               text: str) -> dict[str, object]:
    app = create_app(settings, engines={**engines, "translate_id_en": engine})
    response = app.test_client().post("/v1/translate", json={"text": text})
    assert response.status_code == 200, response.get_json()
    body: dict[str, object] = response.get_json()
    return body


@pytest.mark.parametrize(("text", "expected"), [
    ("Tiga langkah:\n- Menambah stok beras\n- Operasi pasar",
     "<Tiga langkah:>\n- <Menambah stok beras>\n- <Operasi pasar>"),
    # the numerals copied in Indonesian style come out in English style
    ("Beras\tRp12.000\nGula\tRp15.000", "<Beras>\t<Rp12,000>\n<Gula>\t<Rp15,000>"),
    ("Baris satu selesai.\nBaris dua selesai.", "<Baris satu selesai.>\n<Baris dua selesai.>"),
    ("kata dia. “\n\nJika kita menang.", "<kata dia.>\n\n<“Jika kita menang.>"),
    ('Dia tiba. "Kami siap," kata dia.', '<Dia tiba.> <"Kami siap," kata dia.>'),
])
def test_translate_keeps_the_layout(settings: Settings, engines: Mapping[str, Engine],
                                    text: str, expected: str) -> None:
    tagging = Tagging(engines["translate_id_en"])
    assert _translate(settings, engines, tagging, text)["translation"] == expected


def test_a_question_first_and_table_cells_reach_the_summary(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    recording = RecordingEngine(engines["translate_id_en"])
    app = create_app(settings, engines={**engines, "translate_id_en": recording})
    html = ("<p>Mengapa harga beras terus naik?</p><p>Harga beras naik tajam pekan ini.</p>"
            "<table><tr><td>Beras</td><td>Rp12.000</td></tr></table>")
    response = app.test_client().post("/v1/summarize", json={"text": html, "html": True})
    assert response.status_code == 200, response.get_json()
    assert {"Mengapa harga beras terus naik?", "Beras", "Rp12.000"} <= set(recording.inputs)


def test_translate_writes_english_number_style(settings: Settings,
                                               engines: Mapping[str, Engine]) -> None:
    text = "Inflasi naik 3,5 persen. Harga beras Rp12.000 per kilogram."
    fixed = Fixed(engines["translate_id_en"], {
        "Inflasi naik 3,5 persen.": "Inflation rose 3,5 percent.",
        "Harga beras Rp12.000 per kilogram.": "Rice costs Rp12.000 per kilogram."})
    body = _translate(settings, engines, fixed, text)
    assert body["translation"] == "Inflation rose 3.5 percent. Rice costs Rp12,000 per kilogram."
    warnings = body["warnings"]
    assert isinstance(warnings, list)
    assert [w["details"]["restyled"] for w in warnings if w["code"] == "number_restyled"] == [
        "3.5", "12,000"]


def test_an_indonesian_style_numeral_the_source_lacks_is_flagged(
        settings: Settings, engines: Mapping[str, Engine]) -> None:
    fixed = Fixed(engines["translate_id_en"], {"Inflasi naik tipis.": "Inflation rose 0,25."})
    body = _translate(settings, engines, fixed, "Inflasi naik tipis.")
    assert body["translation"] == "Inflation rose 0,25."
    warnings = body["warnings"]
    assert isinstance(warnings, list)
    assert "number_style" in [w["code"] for w in warnings]


def test_english_style_never_rewrites_a_correct_human_translation() -> None:
    lines = [(i, e) for doc in ntrex_documents() for i, e in zip(doc.source, doc.reference,
                                                                   strict=True)]
    assert len(lines) == 1997
    rewritten = [e for i, e in lines if english_style(i, e)[0] != e]
    assert rewritten == []
    assert english_style("Sebanyak 1,127 pembelot.", "As many as 1,127 defectors.")[1] == []


def test_the_cli_keeps_lists_and_table_rows(tiny_dir: Path) -> None:
    text = "Tiga langkah:\n- Menambah stok beras\n- Operasi pasar\n\nBeras\tRp12.000\n"
    result = CliRunner().invoke(main, ["translate", "-", "--models", str(tiny_dir)],
                                input=text)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 5, lines
    assert lines[1].startswith("- ") and lines[2].startswith("- ")
    assert lines[3] == "" and "\t" in lines[4]


# --- cleaning on NTREX: no body paragraph lost -------------------------------------------

_ENDS_SENTENCE = re.compile(r"[.!?…][”’\"')\]]*$")


def _body_lines(lines: Sequence[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines if _ENDS_SENTENCE.search(line.strip())]


def test_headline_detection_never_drops_a_body_paragraph_of_ntrex() -> None:
    """Each document as paragraphs (its first line is usually its headline): every line
    that ends as a sentence does, a question or an exclamation included, stays in the body."""
    questions = 0
    for doc in ntrex_documents():
        article = clean_article("\n\n".join(doc.source))
        kept = set(article.paragraphs)
        assert set(_body_lines(doc.source)) <= kept, doc.doc_id
        assert article.title is None or not _ENDS_SENTENCE.search(article.title)
        questions += doc.source[0].rstrip().endswith(("?", "!"))
    assert questions  # the set has first paragraphs that are questions or exclamations


def test_related_link_lines_inserted_into_ntrex_go_and_the_body_stays() -> None:
    for doc in ntrex_documents():
        if len(doc.source) < 4:
            continue
        linked = "Harga cabai di Bogor melonjak dua kali lipat"
        lines = [*doc.source[:2], f"Baca Juga\n{linked}", *doc.source[2:]]
        article = clean_article("\n\n".join(lines))
        assert linked not in article.paragraphs, doc.doc_id
        assert "Baca Juga" not in article.paragraphs
        assert set(_body_lines(doc.source)) <= set(article.paragraphs), doc.doc_id


@pytest.mark.parametrize(("source", "english", "expected"), [
    ("Rp1.000.000,00", "Rp1.000.000,00", "Rp1,000,000.00"),  # the digits as written
    ("Rp12,50", "Rp12,50", "Rp12.50"),
    ("Rp1.234.567.890.123.456.789", "Rp1.234.567.890.123.456.789",
     "Rp1,234,567,890,123,456,789"),  # no float on the way
    ("Hubungi 021.345.678", "Call 021.345.678", "Call 021.345.678"),  # a leading zero
    ("kode 007.123", "code 007.123", "code 007.123"),
    ("versi 2.100", "version 2.100", "version 2.100"),  # an identifier, not a quantity
    ("IP 10.100.200.100", "IP 10.100.200.100", "IP 10.100.200.100"),
    ("pukul 10.30", "at 10.30", "at 10.30"),  # a time is no thousands grouping
    ("12.05.2024", "12.05.2024", "12.05.2024"),
])
def test_english_style_keeps_every_digit_and_leaves_identifiers(source: str, english: str,
                                                                 expected: str) -> None:
    assert english_style(source, english)[0] == expected
