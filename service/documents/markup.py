"""Translating text that sits in markup: each piece of text between tags is one unit, sent
without the whitespace around it and put back with it, so the markup and the layout stay
exactly as they were. LibreTranslate's ``format: html``, HTML files and the runs of a DOCX
all go through this."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bs4 import BeautifulSoup, NavigableString
from bs4.element import PreformattedString

# Texts in, their translations out (same length, same order).
TranslateTexts = Callable[[Sequence[str]], list[str]]

# Code, scripts and styles are not prose.
SKIP_PARENTS = frozenset({"script", "style", "noscript", "template", "code", "pre"})


def has_letters(text: str) -> bool:
    """Whether a piece is worth a model call: "2024", "—" or "12.5%" come back as they are."""
    return any(c.isalpha() for c in text)


def split_space(text: str) -> tuple[str, str, str]:
    """(leading whitespace, the text, trailing whitespace)."""
    core = text.strip()
    if not core:
        return text, "", ""
    start = len(text) - len(text.lstrip())
    return text[:start], core, text[start + len(core):]


class HtmlText:
    """The translatable text nodes of one HTML document. (The parser writes whitespace
    between tags as one space or newline, as a browser renders it; ``pre`` keeps its own.)"""

    def __init__(self, doc: str | bytes, *, skip_letterless: bool = False) -> None:
        self.soup = BeautifulSoup(doc, "html.parser")
        self.nodes: list[NavigableString] = []
        for node in self.soup.find_all(string=True):
            # Comments, the doctype, CDATA, processing instructions: not the page's text.
            if (isinstance(node, PreformattedString) or not node.strip()
                    or (node.parent is not None and node.parent.name in SKIP_PARENTS)
                    or (skip_letterless and not has_letters(node))):
                continue
            self.nodes.append(node)

    @property
    def units(self) -> list[str]:
        return [n.strip() for n in self.nodes]

    def apply(self, translations: Sequence[str]) -> None:
        """Each node replaced by its translation, with the node's own whitespace around."""
        for node, text in zip(self.nodes, translations, strict=True):
            lead, _, trail = split_space(str(node))
            node.replace_with(NavigableString(f"{lead}{text}{trail}"))

    def render(self, translations: Sequence[str]) -> str:
        self.apply(translations)
        return str(self.soup)


def translate_html(docs: Sequence[str], translate: TranslateTexts) -> list[str]:
    """Translate the text nodes of each document (all in one call), keeping the markup."""
    pages = [HtmlText(doc) for doc in docs]
    done = iter(translate([u for page in pages for u in page.units]))
    return [page.render([next(done) for _ in page.nodes]) for page in pages]
