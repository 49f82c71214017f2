"""DOCX in and out with python-docx: paragraphs of the body, of tables (nested ones too), of
headers and footers and of text boxes are translated; formatting is kept run by run.

How formatting survives translation (a run is a stretch of text with one formatting):

* Consecutive runs of a paragraph with identical formatting (the same ``w:rPr``: bold,
  italic, underline, font, size, colour...) are merged into one span first: Word splits
  runs for reasons a reader never sees (spell checking, editing sessions).
* Each span is translated as one unit, exactly as LibreTranslate's ``format: html``
  translates the text between two tags (service/pipeline/markup.py), and written back
  into the span's first run, the rest of the span's runs removed. Every character of the
  translation therefore has exactly the formatting of the span it came from, and the
  boundaries between formattings are where they were.
* The price: a sentence with a bold word is translated in pieces (before, the bold word,
  after), so the model cannot move words across a change of formatting, and a piece has
  less context than its sentence. A paragraph in one formatting (most of an article) is
  translated whole.
* Tabs and line breaks inside a span split it into separate units, and come back in place.
* Runs that hold more than text (pictures, fields such as page numbers, footnote marks,
  symbols, page breaks, tracked deletions) are never changed; they split the paragraph's
  text around them. The displayed results of fields are left as they are (Word
  recomputes them).
* Not translated: footnotes, endnotes, comments, and the document's properties (title,
  author).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from service.errors import InvalidDocument
from service.pipeline.markup import has_letters

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P, _R, _RPR, _T = f"{{{W}}}p", f"{{{W}}}r", f"{{{W}}}rPr", f"{{{W}}}t"
_TAB, _BR, _CR = f"{{{W}}}tab", f"{{{W}}}br", f"{{{W}}}cr"
_FLD_CHAR, _FLD_TYPE = f"{{{W}}}fldChar", f"{{{W}}}fldCharType"
_BR_TYPE = f"{{{W}}}type"
_PROOF_ERR = f"{{{W}}}proofErr"
# What a run may hold for its text to be rewritten: text, tabs, line breaks, hyphens, and
# the marks of the last layout, which Word writes again when it next lays the text out.
_TEXTUAL = frozenset({_RPR, _T, _TAB, _BR, _CR, f"{{{W}}}noBreakHyphen",
                      f"{{{W}}}softHyphen", f"{{{W}}}lastRenderedPageBreak"})
# Runs inside these are not the paragraph's current text.
_NOT_TEXT = frozenset({f"{{{W}}}del", f"{{{W}}}moveFrom", f"{{{W}}}fldSimple"})


@dataclass
class _Span:
    """Consecutive text runs of one paragraph with one formatting."""

    paragraph: Any  # its w:p element
    parent: Any  # the runs' parent: the paragraph, a hyperlink, an insertion...
    key: bytes  # the runs' w:rPr, canonical
    runs: list[Any] = field(default_factory=list)  # CT_R elements

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class _Piece:
    """A unit to translate: part of a span's text between tabs and breaks."""

    span: _Span
    start: int
    end: int


class DocxFile:
    """A Word document's translatable text; ``render`` writes the translation into it."""

    def __init__(self, data: bytes) -> None:
        import docx  # python-docx: loaded only when a DOCX is translated

        try:
            self.doc = docx.Document(io.BytesIO(data))
            self.spans = [span for root in self._roots() for p in root.iter(_P)
                          for span in _spans(p)]
        except InvalidDocument:
            raise
        except Exception as exc:  # python-docx raises many kinds on a damaged package
            raise InvalidDocument(f"the DOCX cannot be read ({type(exc).__name__})",
                                  code="invalid_document", details={"field": "file"}
                                  ) from None
        self.pieces = [piece for span in self.spans for piece in _pieces(span)]
        # Paragraphs with something to translate.
        # (lxml's element proxies are held by the spans: identity is stable while they live)
        self.paragraphs = len({p.span.paragraph for p in self.pieces})

    def _roots(self) -> Iterator[Any]:
        """The XML of the body, and of each header and footer part (once each: sections may
        share them), found by content type as Word finds them (not by part name)."""
        from docx.opc.constants import CONTENT_TYPE
        from docx.opc.part import XmlPart

        yield self.doc.part.element
        wanted = {CONTENT_TYPE.WML_HEADER, CONTENT_TYPE.WML_FOOTER}
        for part in self.doc.part.package.iter_parts():
            if isinstance(part, XmlPart) and part.content_type in wanted:
                yield part.element

    @property
    def units(self) -> list[str]:
        return [p.span.text[p.start:p.end] for p in self.pieces]

    def render(self, translations: Sequence[str]) -> bytes:
        by_span: dict[int, list[tuple[_Piece, str]]] = {}
        for piece, text in zip(self.pieces, translations, strict=True):
            by_span.setdefault(id(piece.span), []).append((piece, text))
        for span in self.spans:
            done = by_span.get(id(span))
            if done:
                _write(span, done)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _paragraph_of(run: Any) -> Any:
    node = run.getparent()
    while node is not None and node.tag != _P:
        node = node.getparent()
    return node


def _runs(p: Any) -> Iterator[tuple[Any, bool]]:
    """The paragraph's own runs, in order (in hyperlinks, insertions, smart tags too; not
    those of a paragraph nested in a text box), each with whether it is current text (not
    deleted text, nor the displayed result of a simple field)."""
    for r in p.iter(_R):
        if _paragraph_of(r) is not p:
            continue
        node = r.getparent()
        while node is not p and node.tag not in _NOT_TEXT:
            node = node.getparent()
        yield r, node is p


def _textual(r: Any) -> bool:
    return all(child.tag in _TEXTUAL and not (child.tag == _BR and child.get(_BR_TYPE)
                                              not in (None, "textWrapping"))
               for child in r)


def _format_key(r: Any) -> bytes:
    rpr = r.find(_RPR)
    return b"" if rpr is None else etree.tostring(rpr, method="c14n")


def _spans(p: Any) -> list[_Span]:
    """The paragraph's text runs grouped into spans of one formatting; a run that is not
    text (and all of a field's runs) closes the span before it."""
    spans: list[_Span] = []
    current: _Span | None = None
    in_field = 0
    for r, current_text in _runs(p):
        for fld in r.iter(_FLD_CHAR):
            kind = fld.get(_FLD_TYPE)
            in_field += 1 if kind == "begin" else -1 if kind == "end" else 0
            in_field = max(in_field, 0)
        if in_field or not current_text or not _textual(r) or r.find(_FLD_CHAR) is not None:
            current = None
            continue
        key, parent = _format_key(r), r.getparent()
        if current is None or key != current.key or parent is not current.parent:
            current = _Span(p, parent, key)
            spans.append(current)
        current.runs.append(r)
    return spans


def _pieces(span: _Span) -> Iterator[_Piece]:
    """The span's units: its text between tabs and breaks, without the whitespace around,
    when it holds letters."""
    text = span.text
    start = 0
    for end in [*(i for i, c in enumerate(text) if c in "\t\n"), len(text)]:
        chunk = text[start:end]
        core = chunk.strip()
        if has_letters(core):
            lead = len(chunk) - len(chunk.lstrip())
            yield _Piece(span, start + lead, start + lead + len(core))
        start = end + 1


def _write(span: _Span, done: list[tuple[_Piece, str]]) -> None:
    """The span's text with each piece replaced, into its first run; its other runs go (they
    had the same formatting)."""
    text = span.text
    out, at = [], 0
    for piece, translation in done:
        out += [text[at:piece.start], translation]
        at = piece.end
    out.append(text[at:])
    first, *rest = span.runs
    first.text = "".join(out)  # python-docx writes tabs and breaks back as w:tab and w:br
    for r in rest:
        r.getparent().remove(r)
    # Spelling marks would now mark the wrong words.
    for mark in list(span.paragraph.iter(_PROOF_ERR)):
        mark.getparent().remove(mark)
