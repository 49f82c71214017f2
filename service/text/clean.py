"""Turn scraped Indonesian news text (or HTML) into a title, a dateline and body paragraphs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from bs4 import Tag
from bs4.element import PreformattedString

from service.text.parse import parse_markup
from service.text.segment import join_wrapped


@dataclass(frozen=True)
class CleanedArticle:
    title: str | None
    dateline: str | None  # place only ("Jakarta"); the dateline text stays in paragraphs[0]
    paragraphs: tuple[str, ...]
    removed_lines: int  # boilerplate lines dropped (a dropped multi-line notice counts each line)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


class _Rule(NamedTuple):
    pattern: re.Pattern[str]
    whole_block: bool  # notices may wrap: drop the rest of their paragraph as well
    # A label alone on its line ("Baca juga"): the headline it links to is the next line.
    link_next: bool = False
    # A further test of the matched line (a credit names people and agencies, not a claim).
    accept: Callable[[str], bool] | None = None


def _rule(pattern: str, *, whole_block: bool = False, link_next: bool = False,
          accept: Callable[[str], bool] | None = None) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), whole_block, link_next, accept)


# Words a credit may hold in lower case: "Foto: ANTARA/Arif dan Budi", "Sumber: BPS via X".
_CREDIT_CONNECTORS = frozenset({"dan", "and", "&", "/", "via", "oleh", "dari", "di", "untuk",
                                "for", "by", "of", "the", "-", "|"})


def _is_credit(line: str) -> bool:
    """What follows the colon names people, agencies or sources rather than stating a
    claim: either no sentence ("Foto: dok. pribadi", "Sumber: diolah dari berbagai sumber")
    or a list of names with at most one lower-case word that is not a connector ("Sumber:
    BPS."). "Sumber: harga beras naik lima persen." is a sentence of the article."""
    rest = line.split(":", 1)[-1].split("：", 1)[-1].strip()
    words = rest.split()
    if not rest.endswith((".", "!", "?", "…")):
        return len(words) <= 16
    lower = [w for w in words if w[:1].islower() and w.casefold() not in _CREDIT_CONNECTORS]
    return len(words) <= 8 and len(lower) <= 1


# Ordered table, first match wins. Every pattern is anchored at the start of a line and most
# need a colon or must cover the whole line, so a body sentence that merely uses one of these
# words ("Editor senior itu mengatakan ...") never matches.
_BOILERPLATE: tuple[_Rule, ...] = (
    # related-article links: "Baca juga: ...", "Berita terkait: ..."; the label alone on its
    # line is followed by the linked headline on the next
    _rule(r"^(?:baca\s+(?:juga|pula)|artikel\s+terkait|berita\s+terkait)\s*[:：»>|-]?\s*$",
          link_next=True),
    _rule(r"^(?:baca\s+(?:juga|pula)|artikel\s+terkait|berita\s+terkait)\s*[:：»>|-]"),
    # bylines and credits; the colon is what tells them apart from a sentence, and a credit
    # is short ("Sumber: Badan Pusat Statistik mencatat inflasi 2,5 persen ..." is body)
    _rule(
        r"^(?=.{0,100}$)(?:pewarta|editor|penyunting|redaktur|penulis|reporter|wartawan"
        r"|kontributor|sumber|foto|fotografer|grafis|infografis)\s*[:：]",
        accept=_is_credit,
    ),
    # copyright lines and rights notices: "Copyright © ANTARA 2026", "Hak cipta dilindungi ..."
    _rule(
        r"^(?:copyright\s*(?:©|\(c\)|\d{4})|©|\(c\)\s*\d{4}|all\s+rights\s+reserved"
        r"|hak\s+cipta\s+(?:©|\(c\)|dilindungi))",
        whole_block=True,
    ),
    # anti-scraping notices: "Dilarang keras mengambil konten, melakukan crawling ..."; the
    # object is required so "Dilarang keras merokok di area SPBU." stays
    _rule(
        r"^dilarang\s+(?:keras\s+)?(?:mengambil|mengutip|menyalin|memperbanyak|menyebarluaskan)"
        r"\b.*\b(?:konten|crawling|izin\s+tertulis|situs)\b",
        whole_block=True,
    ),
    # aggregator links: "Read Entire Article", "Baca selengkapnya"
    _rule(
        r"^(?:read\s+(?:the\s+)?(?:entire|full|more)(?:\s+(?:article|story))?"
        r"|baca\s+selengkapnya|selengkapnya)\s*(?:[:»>.]|\.\.\.|…)?\s*$"
    ),
    # share bars: a line made only of share words
    _rule(
        r"^(?:(?:bagikan|share|tweet|facebook|twitter|x|whatsapp|wa|telegram|line|linkedin"
        r"|pinterest|e-?mail|salin\s+(?:tautan|link)|copy\s+link|artikel\s+ini"
        r"|this\s+(?:article|story))\b[\s:|•·,/]*)+$"
    ),
    # footer/share/breadcrumb debris: short, two or more separators, no sentence punctuation
    # ("Rakyat news | | | |", "Home » Berita » Ekonomi"); a pipe table row goes too, by design
    _rule(r"^(?=.{0,100}$)(?=(?:[^|•·»›]*[|•·»›]){2})[\w\s|•·»›.&'@/-]*$"),
    # relative-time stamps with an optional view counter after them: "1 month ago 29"
    _rule(
        r"^\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
        r"\s+ago\b[\s\d.,]*$"
    ),
    # the same in Indonesian: "2 jam lalu", "3 hari yang lalu"
    _rule(
        r"^\d+\s+(?:detik|menit|jam|hari|minggu|pekan|bulan|tahun)\s+(?:yang\s+)?lalu\b[\s\d.,]*$"
    ),
    # view counters: "Dilihat 1.234 kali", "1.234 views"
    _rule(
        r"^(?:dilihat|dibaca|views?)\s*:?\s*[\d.,]+\s*(?:kali|x)?\s*$"
        r"|^[\d.,]+\s*(?:kali\s+dilihat|kali\s+dibaca|views?|dibaca|dilihat)\s*$"
    ),
    # ad slots and their prompts
    _rule(r"^(?:advertisement|iklan|ads|sponsored|konten\s+bersponsor)\s*$"),
    _rule(r"^scroll\s+(?:to\s+continue(?:\s+with\s+content)?|untuk\s+melanjutkan|ke\s+bawah)\b"),
    # photo/video widget labels: "Lihat Foto"
    _rule(r"^lihat\s+(?:foto|video|galeri)\s*$"),
    # follow-us promos: "Simak berita lainnya di Google News", "Ikuti berita terkini ..."
    _rule(
        r"^(?:simak|ikuti|dapatkan|cek)\s+(?:juga\s+)?(?:berita|artikel|update|informasi|kabar"
        r"|video)\b.*\b(?:lainnya|terbaru|terkini|google\s+news|whatsapp|channel|saluran)\b"
    ),
)
# Longer lines are prose; never test them, so a long paragraph can't be lost to a rule.
_MAX_DEBRIS_CHARS = 320

_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")  # zero-width, BOM, soft hyphen
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0/C1 controls except \t and \n
_SPACES = re.compile(r"[^\S\n\t]+")  # any whitespace run but newline and tab, nbsp included
_ANY_SPACE = re.compile(r"\s+")  # in HTML source, every run is one space
_BLANK_RUNS = re.compile(r"\n{3,}")
_FINAL_PUNCT = '.,;:…"”’)»'  # a headline ends without these (nor with ? or !)

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})"  # "Jakarta", "Tanjung Pinang"
    r"(?:"
    # " (ANTARA) - ", ", 5/1 (ANTARA) - "; the agency has capitals, unlike "(Menkeu) - "
    r"(?:\s*,\s*[^()\n]{1,40}?)?\s*\((?=[^()\n]*[A-Z]{2})[^()\n]{2,30}\)\s*[-–—]+\s"
    r"|\s*,\s*[A-Za-z][\w.]*(?:\s+[A-Z][\w.]*){0,2}\s*[-–—]+\s"  # "JAKARTA, KOMPAS.com - "
    r")"
)

# Elements that are never article text. <header> is handled on its own: it may hold the <h1>.
_DROP_TAGS = (
    "head", "script", "style", "noscript", "nav", "footer", "aside", "form", "iframe",
    "template", "svg", "button", "select", "object", "embed", "canvas",
)  # fmt: skip
_BLOCK_TAGS = (
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "main", "blockquote", "figure", "figcaption", "table",
    "pre", "hr", "address", "details", "summary",
)  # fmt: skip


def html_to_text(html: str) -> str:
    """Visible article text of an HTML page; block elements become blank-line paragraph breaks."""
    soup = parse_markup(html, "html")  # InvalidMarkup (400) for what html.parser refuses
    # Comments, doctype, CDATA and processing instructions are never visible text.
    for special in soup.find_all(string=lambda s: isinstance(s, PreformattedString)):
        special.extract()
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    # A site header is navigation debris, but an article header often carries the headline:
    # keep its <h1> unless the page already has one elsewhere.
    headers = soup.find_all("header")
    h1_elsewhere = any(h.find_parent("header") is None for h in soup.find_all("h1"))
    for header in headers:
        if header.decomposed:  # went with an enclosing header
            continue
        keep = [] if h1_elsewhere else [h.extract() for h in header.find_all("h1")]
        if keep:
            header.replace_with(*keep)
        else:
            header.decompose()
    # Source-code line breaks inside text are just spaces (except in <pre>).
    for node in soup.find_all(string=True):
        if node.find_parent("pre") is None:
            node.replace_with(_ANY_SPACE.sub(" ", str(node)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    # A table keeps its shape: a row is a line, its cells are separated by tabs.
    for row in soup.find_all("tr"):
        if isinstance(row, Tag):
            row.insert_after("\n")
            for cell in row.find_all(("td", "th"))[1:]:
                cell.insert_before("\t")
    for block in soup.find_all(_BLOCK_TAGS):
        if isinstance(block, Tag):
            block.insert_before("\n\n")
            block.insert_after("\n\n")
    lines = (_spaces(line) for line in soup.get_text().split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def clean_article(text: str, *, html: bool = False, title: str | None = None) -> CleanedArticle:
    """Strip newsroom boilerplate and split into paragraphs; detect the headline and dateline."""
    raw = html_to_text(text) if html else text
    blocks, removed = _drop_boilerplate(_normalise(raw).split("\n"))
    # Wrapped prose is joined; list items and table rows stay lines of their own.
    paragraphs = [join_wrapped(block) for block in blocks]

    given = _normalise(title).replace("\n", " ").strip() if title is not None else ""
    found: str | None = given or None
    if found is not None:
        # The caller's headline is often repeated as the first line: don't keep it twice.
        if paragraphs and _comparable(paragraphs[0]) == _comparable(found):
            paragraphs.pop(0)
    elif len(blocks) > 1 and _looks_like_title(blocks[0]):
        found = paragraphs.pop(0)

    # The dateline opens the body: the first paragraph, or the second when the first is a
    # short line kept as body (a question or exclamation headline).
    dateline = next((place for para in paragraphs[:2] if (place := _dateline(para))), None)
    return CleanedArticle(found, dateline, tuple(paragraphs), removed)


def normalise_text(text: str) -> str:
    """Free text (for translation) with its Unicode, spaces and blank lines normalised and
    nothing removed: line breaks, tabs and paragraphs stay where they are."""
    return _BLANK_RUNS.sub("\n\n", _normalise(text)).strip()


def split_paragraphs(text: str) -> list[str]:
    """Normalised, non-empty paragraphs of free text, with nothing removed (for translation)."""
    blocks = _BLANK_RUNS.sub("\n\n", _normalise(text)).split("\n\n")
    return [" ".join(b.split("\n")) for b in (b.strip() for b in blocks) if b]


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2029", "\n\n").replace("\u2028", "\n")
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    return "\n".join(_spaces(line) for line in text.split("\n"))


def _spaces(line: str) -> str:
    """One space for each run of spaces; each tab kept, as it separates table cells (an
    empty cell too); a line with no text in any cell is empty."""
    cells = [_SPACES.sub(" ", cell).strip() for cell in line.split("\t")]
    return "\t".join(cells) if any(cells) else ""


def _is_boilerplate(line: str) -> _Rule | None:
    if len(line) > _MAX_DEBRIS_CHARS:
        return None
    return next((rule for rule in _BOILERPLATE if rule.pattern.search(line)
                 and (rule.accept is None or rule.accept(line))), None)


def _drop_boilerplate(lines: list[str]) -> tuple[list[list[str]], int]:
    """Group lines into paragraphs (blank-line separated), dropping boilerplate lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    removed = 0
    skipping = False  # inside the rest of a multi-line notice
    linked = False  # the next line is the headline a "Baca juga" label links to
    padded = [*lines, ""]
    for i, line in enumerate(padded):
        if not line:
            if current:
                blocks.append(current)
            current, skipping, linked = [], False, False
            continue
        # A wrapped notice continues in lower case; a capitalised line is the article again
        # (a photo credit line directly above the body must not take the body with it).
        skipping = skipping and line[:1].islower()
        if linked:
            linked = False
            # The linked headline is one line: a line the next one runs on from (in lower
            # case) is the article's own prose.
            if _looks_like_headline(line) and not padded[i + 1][:1].islower():
                removed += 1
                continue
        if skipping:
            removed += 1
        elif (rule := _is_boilerplate(line)) is not None:
            removed += 1
            skipping, linked = rule.whole_block, rule.link_next
        else:
            current.append(line)
    return blocks, removed


def _looks_like_headline(line: str) -> bool:
    """Short, and not ended as a sentence is: a question or an exclamation is body text
    (when unsure, keep), and so is a line ending with a period."""
    return (
        len(line) <= 160
        and len(line.split()) <= 25
        and not line.endswith(tuple(_FINAL_PUNCT + "?!"))
    )


def _looks_like_title(block: list[str]) -> bool:
    return len(block) == 1 and _looks_like_headline(block[0]) and \
        _DATELINE.match(block[0]) is None


def _comparable(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(_FINAL_PUNCT + "?! ")


def _dateline(paragraph: str) -> str | None:
    match = _DATELINE.match(paragraph)
    if match is None:
        return None
    place = match["place"].rstrip(".")
    return place.title() if place.isupper() else place
