"""Plain-text and HTML files: what to translate in them, and the file written back."""

from __future__ import annotations

from collections.abc import Sequence

from service.documents.formats import check_depth, decode_text
from service.errors import InvalidDocument, InvalidMarkup
from service.pipeline.markup import MarkupText, has_letters, split_space


class TextFile:
    """A .txt file, line by line: each line's text is one unit, its indentation, trailing
    space and line ending are kept, and lines without letters (rules, numbers, blank lines)
    are kept as they are. Prose hard-wrapped across lines is translated line by line."""

    def __init__(self, data: bytes) -> None:
        text, self.encoding = decode_text(data, "text file")
        self.lines = text.splitlines(keepends=True)
        self.parts = [split_space(line) for line in self.lines]
        self.todo = [i for i, (_, core, _) in enumerate(self.parts) if has_letters(core)]

    @property
    def units(self) -> list[str]:
        return [self.parts[i][1] for i in self.todo]

    @property
    def paragraphs(self) -> int:
        return len(self.todo)

    def render(self, translations: Sequence[str]) -> bytes:
        lines = list(self.lines)
        for i, text in zip(self.todo, translations, strict=True):
            lead, _, trail = self.parts[i]
            lines[i] = f"{lead}{text}{trail}"
        return "".join(lines).encode(self.encoding)


class HtmlFile:
    """An .html file: its text nodes, as LibreTranslate's ``format: html`` translates them;
    the file comes back in UTF-8 (the serialiser writes its meta charset so)."""

    def __init__(self, data: bytes) -> None:
        text, _ = decode_text(data, "HTML file")
        try:
            self.page = MarkupText(text)
        except InvalidMarkup as exc:
            raise InvalidDocument(f"the HTML file cannot be read: {exc.message}",
                                  code="invalid_markup", details={"field": "file"}) from None
        check_depth(self.page.soup)  # before anything walks the tree recursively

    @property
    def units(self) -> list[str]:
        return self.page.units

    @property
    def paragraphs(self) -> int:
        return len(self.page.nodes)

    def render(self, translations: Sequence[str]) -> bytes:
        return self.page.render(translations).encode("utf-8")
