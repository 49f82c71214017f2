"""Sentence splitting (sentencex, cuts inside quotations, an abbreviation-aware merge pass),
the layout around sentences (lines, list markers, table cells), and overlong cuts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import sentencex

ABBREVIATIONS_FILE = "abbreviations.tsv"


@dataclass(frozen=True)
class Abbreviations:
    """Abbreviations with a final period that sentencex would split after, per language:
    ``always`` never end a sentence, ``final`` may (see data/abbreviations.tsv)."""

    always: frozenset[str]
    final: frozenset[str]


@cache
def abbreviations(lang: str) -> Abbreviations:
    """The shipped list for ``lang`` (read once, on first use)."""
    text = resources.files("service.text").joinpath("data", ABBREVIATIONS_FILE).read_text(
        encoding="utf-8")
    always: set[str] = set()
    final: set[str] = set()
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        entry_lang, abbreviation, kind, *_ = line.split("\t")
        if entry_lang == lang:
            (always if kind == "always" else final).add(abbreviation)
    return Abbreviations(frozenset(always), frozenset(final))


@dataclass(frozen=True)
class Segment:
    """One piece of text the model translates, and the layout before it (nothing, a space,
    a line break, a tab between table cells, a blank line, a list marker), which is kept as
    the source has it and never sent to a model."""

    text: str
    before: str = ""


_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_LAST_TOKEN = re.compile(r"([^\s(\[“\"‘']+)\.$")  # "Jl." -> "Jl", "(Prof." -> "Prof"
_NUMBER_CUT = re.compile(r"\d[.,]$")  # "pukul 10." + "30 WIB" had no space: one number
# A piece starting with these continues the previous one: closing quotes and brackets,
# punctuation. A straight quote is a closing one unless a word follows it directly.
_CONTINUATION_START = tuple('”’)]},;:.!?…')
_STRAIGHT_QUOTES = "\"'"
_OPENING_QUOTES = "“‘«„"
# Inside a quotation sentencex never splits; news style (and NTREX) ends a sentence there
# too. A candidate cut: sentence-final punctuation, closing quotes or brackets, whitespace.
_INNER_CUT = re.compile(r"[.!?…]+[”’\"')\]]*\s+")
_CLAUSE_CUT = re.compile(r"(?<=[;:,–—])\s+")  # after clause punctuation, keeping it left
# A list item's marker: a bullet or dash, or "1." / "2)" / "a)"; kept as layout.
_LIST_MARKER = re.compile(r"^(?:[-*•▪◦‣–—]|\d{1,2}[.)]|[a-z]\))\s+(?=\S)")
_LINE_END = re.compile(r"[.!?…:;][”’\"')\]]*$")
# A line of at least this many characters that runs on in the next is wrapped prose.
_WRAPPED_LINE = 50


def split_sentences(text: str, lang: str = "id") -> list[str]:
    """Sentences of text, paragraph by paragraph; paragraphs never merge into one sentence,
    nor do list items, table cells or lines that end a sentence or a heading."""
    return [segment.text for segment in layout(text, lang) if segment.text]


def layout(text: str, lang: str = "id") -> list[Segment]:
    """``text`` as segments with the layout between them: ``render(segments, [s.text for s
    in segments])`` gives back the text with its whitespace normalised and its structure
    (paragraphs, lines, list markers, table cells) as it was. An empty table cell is a
    segment with no text, so that the row keeps its columns."""
    found: list[Segment] = []
    carry = ""  # an opening quote that ended a paragraph: it opens the next one's sentence
    for p, paragraph in enumerate(_PARAGRAPH_BREAK.split(text.strip(" \n\r\f\v"))):
        for ln, (marker, line) in enumerate(_lines(paragraph)):
            for c, cell in enumerate(line.split("\t")):
                # The layout before this cell's first sentence: what separates it from the
                # text before (if any), then the line's list marker.
                sep = "\t" if c else "\n" if ln else "\n\n" if p else ""
                before = (sep if found else "") + ("" if c else marker)
                if carry and (c or ln or marker):  # it may cross a blank line, nothing else
                    _give_back(found, carry)
                    carry = ""
                first = True
                for sentence in _sentences(" ".join(cell.split()), lang):
                    sentence, carry = _opening_tail(carry + sentence)
                    if not sentence:
                        continue
                    found.append(Segment(sentence, before if first else " "))
                    first = False
                if first and (c or marker or "\t" in line):  # an empty cell or item
                    found.append(Segment("", before))
                    first = False
                if first and carry and not found:  # a paragraph of quotes alone
                    found.append(Segment(carry, before))
                    carry = ""
    if carry:  # nothing followed it: give it back
        _give_back(found, carry)
    return found


def _give_back(found: list[Segment], quote: str) -> None:
    """An opening quote that opened nothing stays where it was: after the last segment."""
    if not found:
        found.append(Segment(quote))
        return
    last = found[-1]
    found[-1] = Segment(f"{last.text} {quote}" if last.text else quote, last.before)


def render(segments: Sequence[Segment], texts: Sequence[str]) -> str:
    """The layout of ``segments`` around ``texts`` (one per segment, e.g. translations)."""
    return "".join(seg.before + out for seg, out in zip(segments, texts, strict=True))


def join_wrapped(lines: Sequence[str]) -> str:
    """The lines of one paragraph as ``layout`` reads them: wrapped prose joined by spaces,
    list items, table rows and lines that end a sentence or a heading on lines of their own."""
    return "\n".join(marker + line for marker, line in _lines("\n".join(lines)))


def _lines(paragraph: str) -> list[tuple[str, str]]:
    """(list marker, line) per line of a paragraph; lines that only wrap prose (the line
    runs on in lower case, or is long and ends without punctuation) are joined by a space."""
    lines: list[tuple[str, list[str]]] = []  # a line's physical lines, joined at the end
    for raw in paragraph.split("\n"):
        line = raw.strip(" \r\f\v")
        if not line.strip():
            continue
        match = _LIST_MARKER.match(line)
        marker = match.group(0) if match else ""
        if lines and not marker and _wraps(lines[-1][1][-1], line):
            lines[-1][1].append(line)
        else:
            lines.append((marker, [line[len(marker):]]))
    return [(marker, " ".join(parts)) for marker, parts in lines]


def _wraps(prev: str, nxt: str) -> bool:
    """Whether ``nxt`` runs on from the physical line ``prev``."""
    if "\t" in prev or "\t" in nxt or _LINE_END.search(prev[-8:]):
        return False
    return nxt[:1].islower() or len(prev) >= _WRAPPED_LINE


def _opening_tail(sentence: str) -> tuple[str, str]:
    """``sentence`` without the quotes that end it after a space (or make all of it), and
    those quotes: they open the next sentence ("… kata dia. “" + "Jika …"). A straight
    quote after a space opens more often than it closes (NTREX: a quotation of several
    sentences), so it opens here too."""
    head = sentence.rstrip()
    bare = head.rstrip(_OPENING_QUOTES + _STRAIGHT_QUOTES)
    quotes = head[len(bare):]
    if not quotes or (bare and not bare[-1].isspace()):
        return sentence, ""
    return bare.rstrip(), quotes


def _sentences(flat: str, lang: str) -> list[str]:
    if not flat:
        return []
    known = abbreviations(lang)
    pieces: list[str] = []
    for piece in (str(p) for p in sentencex.segment(lang, flat)):
        at = 0
        for cut in _INNER_CUT.finditer(piece):
            if cut.end() < len(piece):
                pieces.append(piece[at:cut.end()])
                at = cut.end()
        pieces.append(piece[at:])
    return [s for s in (p.strip() for p in _merge(pieces, known)) if s]


_TAIL = 96  # what the merge rules read of the text before a cut: its last word or number


def _merge(pieces: list[str], known: Abbreviations) -> list[str]:
    # The pieces keep the whitespace between them, so plain concatenation restores the text.
    groups: list[list[str]] = []
    for piece in pieces:
        if groups and _joins(_tail(groups[-1]), piece, known):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    merged = ["".join(group) for group in groups]
    # An opening quote left at the end of a piece ("kata dia. “ ") opens the next one.
    for i in range(len(merged) - 1):
        rest, quotes = _opening_tail(merged[i])
        if quotes:
            merged[i] = rest + " "
            merged[i + 1] = quotes + merged[i + 1].lstrip()
    return merged


def _tail(parts: list[str]) -> str:
    """The last ``_TAIL`` characters of the parts joined (reading only what it needs)."""
    taken: list[str] = []
    size = 0
    for part in reversed(parts):
        taken.append(part)
        size += len(part)
        if size >= _TAIL:
            break
    return "".join(reversed(taken))[-_TAIL:]


def _last_token(prev: str) -> str | None:
    """The word a period ends prev with ("Jl." -> "Jl", "(Prof." -> "Prof"); None when
    prev does not end with a period or the word is longer than any abbreviation."""
    tail = prev.rstrip()
    token = _LAST_TOKEN.search(tail)
    if token is None or (token.start() == 0 and len(tail) >= _TAIL - 1):
        return None
    return token[1]


def _joins(prev: str, nxt: str, known: Abbreviations) -> bool:
    """Whether the piece ``nxt`` continues the sentence ``prev`` (its last characters)."""
    head = nxt.lstrip()
    if not head:
        return True
    if head[0].islower() or head.startswith(_CONTINUATION_START):
        return True
    if head[0] in _STRAIGHT_QUOTES and not head[1:2].isalnum():
        return True  # a closing straight quote: '" kata dia'
    if head[0].isdigit() and prev[-1:] and not prev[-1].isspace() and _NUMBER_CUT.search(prev):
        return True
    token = _last_token(prev)
    if token is None:
        return False
    word = token.lower()
    if word in known.always or (len(word) == 1 and word.isalpha()):  # "J. Smith"
        return True
    return word in known.final and (head[0].isdigit() or head[0] == "(")


def split_overlong(sentence: str, max_chars: int) -> list[str]:
    """Cut a sentence into pieces of at most max_chars: at clause punctuation, then at spaces.

    " ".join(pieces) has the sentence's words in order, nothing dropped; only a single token
    longer than max_chars is cut inside itself.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    flat = " ".join(sentence.split())
    if len(flat) <= max_chars:
        return [flat] if flat else []
    # A clause that fits stays whole; only an oversized clause falls apart into words.
    units: list[str] = []
    for clause in _CLAUSE_CUT.split(flat):
        units.extend([clause] if len(clause) <= max_chars else _words(clause, max_chars))
    return _pack(units, max_chars)


def _words(text: str, max_chars: int) -> list[str]:
    # Only a token that can't fit anywhere is hard-cut.
    out: list[str] = []
    for word in text.split(" "):
        out.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return out


def _pack(parts: list[str], max_chars: int) -> list[str]:
    """Greedily join parts (each at most max_chars) with spaces into chunks of at most max_chars."""
    chunks: list[str] = []
    for part in parts:
        if chunks and len(chunks[-1]) + 1 + len(part) <= max_chars:
            chunks[-1] += " " + part
        else:
            chunks.append(part)
    return chunks
