"""One uploaded document, checked and taken apart: what it holds to translate, and how to
write its translation back in its own format."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from service.config import Limits
from service.documents.formats import DOCX, HTML, DocumentFormat, base_name, check_size, detect
from service.errors import PayloadTooLarge
from service.pipeline.markup import TranslateTexts
from service.text.clean import normalise_text
from service.text.segment import layout


class Content(Protocol):
    @property
    def units(self) -> list[str]: ...

    @property
    def paragraphs(self) -> int: ...

    def render(self, translations: Sequence[str]) -> bytes: ...


@dataclass(frozen=True)
class Document:
    format: DocumentFormat
    filename: str  # without directories; the translation is served under the same name
    content: Content
    # What one translation call may hold (Limits.max_sentences); a document may hold more
    # and is translated in as many calls as it needs.
    max_sentences: int = Limits.max_sentences

    @cached_property
    def sentence_counts(self) -> tuple[int, ...]:
        """Each unit's sentences, counted once: for the upload's check and the calls."""
        return tuple(sentence_count(u) for u in self.content.units)

    @property
    def characters(self) -> int:
        """What is sent to the model (what DeepL bills as billed_characters)."""
        return sum(len(u) for u in self.content.units)

    def translate(self, translate: TranslateTexts) -> bytes:
        """The translated file: every unit through ``translate``, in calls of at most
        ``max_sentences`` sentences."""
        out: list[str] = []
        for chunk in self._chunks():
            out += translate(chunk)
        return self.content.render(out)

    def _chunks(self) -> Iterator[list[str]]:
        chunk: list[str] = []
        count = 0
        for unit, n in zip(self.content.units, self.sentence_counts, strict=True):
            if chunk and count + n > self.max_sentences:
                yield chunk
                chunk, count = [], 0
            chunk.append(unit)
            count += n
        if chunk:
            yield chunk


def sentence_count(unit: str) -> int:
    """The sentences the pipeline will find in ``unit``, in whichever language counts more."""
    text = normalise_text(unit)
    return max(len(layout(text, "id")), len(layout(text, "en")))


def open_document(filename: str, data: bytes, limits: Limits) -> Document:
    """The document, or the reason it is refused (format, content, size, damage)."""
    fmt = detect(filename, data, limits)
    content: Content
    if fmt is DOCX:
        from service.documents.docxfile import DocxFile

        content = DocxFile(data)
    elif fmt is HTML:
        from service.documents.textfile import HtmlFile

        content = HtmlFile(data)
    else:
        from service.documents.textfile import TextFile

        content = TextFile(data)
    doc = Document(fmt, base_name(filename), content, limits.max_sentences)
    check_size(content.paragraphs, doc.characters, limits)
    longest = max(doc.sentence_counts, default=0)
    if longest > limits.max_sentences:  # one paragraph is one call: it could never be done
        raise PayloadTooLarge(f"a paragraph of the document has {longest} sentences; the "
                              f"limit is {limits.max_sentences}", code="too_many_sentences",
                              details={"limit": limits.max_sentences})
    return doc
