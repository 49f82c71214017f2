"""One uploaded document, checked and taken apart: what it holds to translate, and how to
write its translation back in its own format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from service.config import Limits
from service.documents.formats import DOCX, HTML, DocumentFormat, base_name, check_size, detect
from service.pipeline.markup import TranslateTexts


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

    @property
    def characters(self) -> int:
        """What is sent to the model (what DeepL bills as billed_characters)."""
        return sum(len(u) for u in self.content.units)

    def translate(self, translate: TranslateTexts) -> bytes:
        """The translated file: every unit through ``translate`` in one call."""
        units = self.content.units
        out = translate(units) if units else []
        return self.content.render(out)


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
    doc = Document(fmt, base_name(filename), content)
    check_size(content.paragraphs, doc.characters, limits)
    return doc
