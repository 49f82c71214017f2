"""Tests for service.text.clean: boilerplate removal, title/dateline detection, HTML input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.text.clean import CleanedArticle, clean_article, html_to_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_TEXT = (SEEDS / "000_d67792ced336d87c.txt").read_text(encoding="utf-8")
SEED_META = json.loads((SEEDS / "000_d67792ced336d87c.meta.json").read_text(encoding="utf-8"))
HEADLINE = "Kemenperin perkuat pemulihan sentra IKM alas kaki pacu ekonomi daerah"


def _seed_body() -> list[str]:
    """The real body paragraphs, cut out of the seed file independently of the cleaner."""
    blocks = [b.strip() for b in SEED_TEXT.split("\n\n")]
    first = next(i for i, b in enumerate(blocks) if b.startswith("Jakarta (ANTARA) - Kementerian"))
    last = next(i for i, b in enumerate(blocks) if b.startswith("Katanya, sebanyak 14 perajin"))
    return blocks[first : last + 1]


BODY = _seed_body()
# Seed debris: "1 month ago 29", 2 x "Baca juga", Pewarta, Editor, Copyright, the ANTARA
# notice, "Read Entire Article", "Rakyat news | | | |".
SEED_REMOVED = 9


def test_seed_body_has_thirteen_paragraphs() -> None:
    assert len(BODY) == 13
    assert all("\n" not in p for p in BODY)


def test_seed_title_dateline_and_counts() -> None:
    article = clean_article(SEED_TEXT)
    assert article.title == HEADLINE == SEED_META["headline"]
    assert article.dateline == SEED_META["dateline"] == "Jakarta"
    assert article.removed_lines == SEED_REMOVED
    assert article.paragraphs[0].startswith("Jakarta (ANTARA) - ")  # dateline stays in body


def test_seed_paragraphs_kept_verbatim_and_nothing_else() -> None:
    article = clean_article(SEED_TEXT)
    assert article.paragraphs == tuple(BODY)
    assert article.body == "\n\n".join(BODY)


@pytest.mark.parametrize(
    "debris",
    [
        "Baca juga",
        "Pewarta",
        "Editor:",
        "Copyright",
        "Dilarang keras",
        "Read Entire Article",
        "Rakyat news",
        "1 month ago",
        "Ahmad Muzdaffar Fauzan",
        "Triono Subagyo",
        "Kemenperin-Hippindo",
        "| |",
    ],
)
def test_seed_debris_gone(debris: str) -> None:
    article = clean_article(SEED_TEXT)
    assert debris not in article.body
    assert debris not in (article.title or "")


BEFORE = "Harga beras naik tajam pekan ini."
AFTER = "Pemerintah berjanji menstabilkan harga."


@pytest.mark.parametrize(
    "line",
    [
        "Baca juga: Kemenperin-Hippindo perkuat akses IKM pangan",
        "BACA JUGA: Harga cabai turun",
        "Berita terkait: Inflasi melandai",
        "Pewarta: Ahmad Muzdaffar Fauzan",
        "Editor: Triono Subagyo",
        "Penulis: Siti Aminah",
        "Reporter : Budi",
        "Sumber: ANTARA",
        "Foto: Dok. Kemenperin",
        "Copyright © ANTARA 2026",
        "Hak cipta dilindungi undang-undang",
        "© 2026 Kompas.com",
        "Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis untuk AI"
        " di situs web ini tanpa izin tertulis dari Kantor Berita ANTARA.",
        "Read Entire Article",
        "Baca selengkapnya",
        "Rakyat news | | | |",
        "Home » Berita » Ekonomi",
        "Facebook • Twitter • WhatsApp",
        "Bagikan",
        "Share: Facebook Twitter WhatsApp Telegram",
        "Salin tautan",
        "Copy link",
        "1 month ago 29",
        "3 hours ago",
        "2 jam lalu",
        "3 hari yang lalu",
        "Dilihat 1.234 kali",
        "1.234 views",
        "ADVERTISEMENT",
        "Iklan",
        "Scroll to continue with content",
        "SCROLL TO CONTINUE WITH CONTENT",
        "Lihat Foto",
        "Simak berita lainnya di Google News",
        "Ikuti berita terkini dari kami di WhatsApp Channel",
    ],
)
def test_boilerplate_line_removed(line: str) -> None:
    # as its own paragraph, and as the last line of a body paragraph
    for text in (f"{BEFORE}\n\n{line}\n\n{AFTER}", f"{BEFORE}\n{line}\n\n{AFTER}"):
        article = clean_article(text)
        assert article.removed_lines == 1, text
        assert article.body.replace("\n\n", " ") == f"{BEFORE} {AFTER}"


@pytest.mark.parametrize(
    "sentence",
    [
        "Editor senior itu mengatakan harga naik.",
        "Editor: begitu ia disapa, mengatakan harga naik dan terus naik sepanjang tahun ini"
        " menurut catatan yang ia simpan selama bertahun-tahun di meja redaksi. " * 4,
        "Sumber itu mengatakan stok aman.",
        "Ia membaca juga laporan BPS.",
        "Baca juga buku panduan itu, kata dia.",
        "“Dilarang keras mengambil barang bukti,” kata petugas.",
        "Dilarang keras merokok di area SPBU.",
        "Copyright lagu itu dimiliki label rekaman.",
        "Hak cipta atas lagu itu dimiliki penciptanya.",
        "Share pasar ponsel itu naik 5 persen.",
        "Facebook dan Twitter menghapus akun tersebut.",
        "Iklan rokok dilarang tayang di televisi.",
        "2 jam lalu, polisi menangkap pelaku.",
        "Lihat foto itu, katanya.",
        "Simak penjelasan Menteri berikut ini.",
        "Foto bersama dilakukan seusai acara.",
    ],
)
def test_body_sentences_survive(sentence: str) -> None:
    sentence = sentence.strip()
    article = clean_article(f"{BEFORE}\n\n{sentence}\n\n{AFTER}")
    assert article.removed_lines == 0
    assert article.paragraphs == (BEFORE, sentence, AFTER)


def test_wrapped_notice_dropped_whole() -> None:
    text = (
        f"{BEFORE}\n\nDilarang keras mengambil konten, melakukan crawling atau\n"
        "pengindeksan otomatis untuk AI di situs web ini\ntanpa izin tertulis.\n\n"
        f"{AFTER}"
    )
    article = clean_article(text)
    assert article.paragraphs == (BEFORE, AFTER)
    assert article.removed_lines == 3


@pytest.mark.parametrize(("text", "kept"), [
    # A credit line directly above the body (single newlines): the body stays.
    ("Caption.\n© ANTARA/Foto\nJakarta (ANTARA) - Body.\nRp18 triliun.",
     ("Caption.\nJakarta (ANTARA) - Body.\nRp18 triliun.",)),
    ("© ANTARA/Foto\nJakarta (ANTARA) - Body berita.", ("Jakarta (ANTARA) - Body berita.",)),
    # A long line that starts like a credit is a sentence of the article.
    ("Sumber: Badan Pusat Statistik mencatat inflasi 2,5 persen pada bulan lalu, lebih rendah "
     "dari perkiraan para ekonom di Jakarta.",
     ("Sumber: Badan Pusat Statistik mencatat inflasi 2,5 persen pada bulan lalu, lebih rendah "
      "dari perkiraan para ekonom di Jakarta.",)),
])
def test_notices_never_take_article_text_with_them(text: str, kept: tuple[str, ...]) -> None:
    assert clean_article(text).paragraphs == kept


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Satu\r\ndua\r\n\r\nTiga", ("Satu dua", "Tiga")),
        ("Sa\u200btu\u200c du\u200da\ufeff.", ("Satu dua.",)),
        ("Satu\x00\x07 dua\x1b.", ("Satu dua.",)),
        ("Satu  \t  dua\u00a0\u00a0tiga.", ("Satu\tdua tiga.",)),  # a tab separates cells
        ("Cafe\u0301 baru.", ("Caf\u00e9 baru.",)),  # NFC composes the accent
        ("   \n\n  Satu.  \n   \n\n\n  Dua.  ", ("Satu.", "Dua.")),
        ("Baris satu\nbaris dua.", ("Baris satu baris dua.",)),
    ],
)
def test_normalisation(raw: str, expected: tuple[str, ...]) -> None:
    article = clean_article(raw)
    assert article.paragraphs == expected
    assert article.title is None


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "ADVERTISEMENT\n\nRakyat news | | | |"])
def test_empty_input(text: str) -> None:
    article = clean_article(text)
    assert article.paragraphs == ()
    assert article.body == ""
    assert article.title is None and article.dateline is None


@pytest.mark.parametrize(
    ("text", "title", "first"),
    [
        (f"Judul Berita\n\n{BEFORE}", "Judul Berita", BEFORE),
        # a question may be the article's opening paragraph: it stays (when unsure, keep)
        (f"ADVERTISEMENT\n\nHarga Naik Lagi?\n\n{BEFORE}", None, "Harga Naik Lagi?"),
        (f"Mengapa harga naik lagi!\n\n{BEFORE}", None, "Mengapa harga naik lagi!"),
        (f"Kalimat pendek.\n\n{BEFORE}", None, "Kalimat pendek."),  # ends with a period
        # a line the next does not continue stays a line: never glued to the first sentence
        (f"Judul tanpa baris kosong\n{BEFORE}", None, f"Judul tanpa baris kosong\n{BEFORE}"),
        ("Hanya satu baris tanpa titik", None, "Hanya satu baris tanpa titik"),  # no body
        (f"{'kata ' * 40}\n\n{BEFORE}", None, ("kata " * 40).strip()),  # too long
    ],
)
def test_title_detection(text: str, title: str | None, first: str) -> None:
    article = clean_article(text)
    assert article.title == title
    assert article.paragraphs[0] == first


def test_explicit_title_not_repeated_in_body() -> None:
    article = clean_article(SEED_TEXT, title=f"  {HEADLINE.upper()} ")
    assert article.title == HEADLINE.upper()
    assert article.paragraphs == tuple(BODY)


def test_explicit_title_keeps_different_first_line() -> None:
    article = clean_article(f"Baris pertama lain\n\n{BEFORE}", title="Judul")
    assert article.title == "Judul"
    assert article.paragraphs == ("Baris pertama lain", BEFORE)


@pytest.mark.parametrize(
    ("first", "place"),
    [
        ("Jakarta (ANTARA) - Harga naik.", "Jakarta"),
        ("Tanjung Pinang (ANTARA) - Harga naik.", "Tanjung Pinang"),
        ("JAKARTA, KOMPAS.com - Harga naik.", "Jakarta"),
        ("Bandung, CNN Indonesia -- Harga naik.", "Bandung"),
        ("Surabaya, 5/1 (ANTARA) – Harga naik.", "Surabaya"),
        ("Menteri mengatakan harga naik.", None),
        ("Harga naik di Jakarta (ANTARA) - kata dia.", None),
        ("Menteri Keuangan (Menkeu) - yang baru dilantik - hadir.", None),
    ],
)
def test_dateline(first: str, place: str | None) -> None:
    article = clean_article(f"Judul\n\n{first}\n\n{AFTER}")
    assert article.dateline == place
    assert article.paragraphs[0] == first


def _seed_as_html() -> str:
    paras = "\n".join(f"  <p>{p.replace('&', '&amp;')}</p>" for p in BODY[1:])
    return f"""<!DOCTYPE html>
<html><head><title>Situs | Berita</title><style>p {{ color: red }}</style></head>
<body>
<header><nav><a href="/">Beranda</a> <a href="/ekonomi">Ekonomi</a></nav>
  <h1>{HEADLINE}</h1></header>
<script>var tracker = "Baca juga: jangan";</script>
<div class="meta"><span>1 month ago</span> <span>29</span></div>
<article>
  <div>Jakarta (ANTARA) - Kementerian Perindustrian (Kemenperin) memperkuat upaya
  pemulihan dan peningkatan daya saing sentra industri kecil dan menengah (IKM) alas kaki
  sebagai penopang ekonomi daerah.</div>
{paras}
  <p>Editor senior itu mengatakan A &amp; B&nbsp;tetap &#8220;aman&#8221;.</p>
  <p>Baca juga: Kemenperin meyakini industri kecil</p>
  <p>Pewarta: Ahmad Muzdaffar Fauzan<br>Editor: Triono Subagyo<br>Copyright &copy; ANTARA 2026</p>
  <!-- iklan -->
  <noscript>Aktifkan JavaScript</noscript>
</article>
<aside>Terpopuler: berita lain</aside>
<footer>Rakyat news | | | |</footer>
</body></html>"""


def test_html_seed() -> None:
    article = clean_article(_seed_as_html(), html=True)
    assert article.title == HEADLINE
    assert article.dateline == "Jakarta"
    assert article.paragraphs[:13] == tuple(BODY)
    assert article.paragraphs[13:] == ("Editor senior itu mengatakan A & B tetap “aman”.",)
    # "1 month ago 29", "Baca juga", Pewarta, Editor, Copyright
    assert article.removed_lines == 5
    for gone in ("tracker", "color", "Beranda", "JavaScript", "Terpopuler", "iklan", "Situs"):
        assert gone not in article.body


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Satu&nbsp;dua\n   tiga<br>empat<br><br>lima</p>", "Satu dua tiga\nempat\n\nlima"),
        ("<div>A &amp; B</div><div>&#8220;C&#8221;</div>", "A & B\n\n“C”"),
        ("<ul><li>satu</li><li>dua</li></ul>", "satu\n\ndua"),
        ("<p>a <b>tebal</b> dan <i>miring</i>.</p>", "a tebal dan miring."),
        ("<header><h1>Judul</h1><p>menu</p></header><p>Isi.</p>", "Judul\n\nIsi."),
        ("<header><h1>Logo</h1></header><article><h1>Judul</h1>Isi.</article>", "Judul\n\nIsi."),
        ("<header><nav><h1>Logo</h1></nav></header><p>Isi.</p>", "Isi."),
        ("<header><header><h1>A</h1></header><p>x</p></header><p>Isi.</p>", "A\n\nIsi."),
        ("<pre>a\n  b</pre>", "a\nb"),
        ("<p>x</p><template><p>y</p></template><iframe>z</iframe><form>q</form>", "x"),
        ("<!DOCTYPE html><!-- c --><p>Isi.</p>", "Isi."),
        ("", ""),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_cleaned_article_is_frozen() -> None:
    article = CleanedArticle("t", None, ("a", "b"), 0)
    assert article.body == "a\n\nb"
    with pytest.raises(AttributeError):
        article.title = "x"  # type: ignore[misc]
