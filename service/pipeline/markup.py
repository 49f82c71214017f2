"""Translation of many texts whose source languages may differ, plain or as markup (HTML or
XML: the text nodes are translated, the markup kept), as the compatible APIs (LibreTranslate,
DeepL) serve it. One path for both, on the same :meth:`Pipeline.translate` as /v1/translate."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from bs4 import BeautifulSoup, Comment, NavigableString
from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

from service.overload import Deadline
from service.pipeline.pipeline import Pipeline
from service.pipeline.requests import TranslateRequest
from service.text.language import rank_among

Markup = Literal["html", "xml"]
SUPPORTED = ("id", "en")
# Never translated: code, scripts, styles (HTML's names; an XML document's own are its tags).
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "code", "pre"})
_NOT_TEXT = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
# BeautifulSoup's names: html.parser is stdlib; "xml" is lxml's XML parser (keeps case and
# namespaces, which html.parser would lowercase or drop).
_PARSER = {"html": "html.parser", "xml": "xml"}
_ROOT = "ringkas-fragment"


def plain_text(text: str, markup: Markup | None) -> str:
    """What a person reads of ``text``: its text nodes, when it is markup."""
    if markup is None:
        return text
    return _parse(text, markup).get_text(" ")


def detect(text: str, markup: Markup | None = None) -> tuple[str, float]:
    """The more likely of id and en for ``text`` (of its text, for markup), and its
    probability (0-1)."""
    return rank_among(plain_text(text, markup), SUPPORTED)[0]


def translate_all(pipeline: Pipeline, deadline: Deadline | None, texts: Sequence[str],
                  sources: Sequence[str], target: str, markup: Markup | None = None,
                  skip_tags: Collection[str] = SKIP_TAGS) -> list[str]:
    """Each text translated from its own source language into ``target``, in one pipeline
    call per source language. A text already in the target language comes back as it was."""
    return translate_each(pipeline, deadline, texts, sources, target, markup, skip_tags)[0]


def translate_each(pipeline: Pipeline, deadline: Deadline | None, texts: Sequence[str],
                   sources: Sequence[str], target: str, markup: Markup | None = None,
                   skip_tags: Collection[str] = SKIP_TAGS, alternatives: int = 0,
                   ) -> tuple[list[str], list[list[str]]]:
    """As :func:`translate_all`, with up to ``alternatives`` other translations of each
    text (none for markup, as LibreTranslate, nor for a text already in the target
    language)."""
    out = list(texts)
    others: list[list[str]] = [[] for _ in texts]
    for source in SUPPORTED:
        todo = [i for i, s in enumerate(sources) if s == source and s != target]
        if not todo:
            continue
        chosen = [texts[i] for i in todo]
        if markup:
            done = translate_markup(pipeline, deadline, chosen, source, target, markup,
                                    skip_tags)
            alts: list[list[str]] = [[] for _ in todo]
        else:
            done, alts = _translate(pipeline, deadline, chosen, source, target, alternatives)
        for i, text, alt in zip(todo, done, alts, strict=True):
            out[i], others[i] = text, alt
    return out, others


def translate_texts(pipeline: Pipeline, deadline: Deadline | None, texts: Sequence[str],
                    source: str, target: str) -> list[str]:
    return _translate(pipeline, deadline, texts, source, target)[0]


def _translate(pipeline: Pipeline, deadline: Deadline | None, texts: Sequence[str],
               source: str, target: str, alternatives: int = 0,
               ) -> tuple[list[str], list[list[str]]]:
    if not texts:
        return [], []
    result = pipeline.translate(TranslateRequest(texts=tuple(texts), source=source,
                                                 target=target, single=False,
                                                 alternatives=alternatives), deadline)
    assert isinstance(result.translation, list)
    return result.translation, result.alternatives or [[] for _ in texts]


def translate_markup(pipeline: Pipeline, deadline: Deadline | None, docs: Sequence[str],
                     source: str, target: str, markup: Markup = "html",
                     skip_tags: Collection[str] = SKIP_TAGS) -> list[str]:
    """Translate the text nodes of each document, keeping markup and the whitespace around
    each node; nodes inside ``skip_tags`` stay as they are."""
    soups = [_parse(doc, markup) for doc in docs]
    skip = frozenset(skip_tags)
    nodes: list[NavigableString] = []
    for soup in soups:
        for node in soup.find_all(string=True):
            if (isinstance(node, _NOT_TEXT) or not node.strip()
                    or any(parent.name in skip for parent in node.parents)):
                continue
            nodes.append(node)
    translated = translate_texts(pipeline, deadline, [n.strip() for n in nodes], source,
                                 target)
    for node, text in zip(nodes, translated, strict=True):
        lead = node[: len(node) - len(node.lstrip())]
        trail = node[len(node.rstrip()):]
        node.replace_with(NavigableString(f"{lead}{text}{trail}"))
    return [_serialise(soup, doc, markup) for soup, doc in zip(soups, docs, strict=True)]


def _parse(text: str, markup: Markup) -> BeautifulSoup:
    if markup == "xml":
        # A fragment (several elements, or text around them) has no single root: wrap it.
        return BeautifulSoup(f"<{_ROOT}>{_split_declaration(text)[1]}</{_ROOT}>",
                             _PARSER["xml"])
    return BeautifulSoup(text, _PARSER["html"])


def _split_declaration(text: str) -> tuple[str, str]:
    """An XML document's ``<?xml ...?>`` declaration (kept as it was) and the rest."""
    if text.lstrip().startswith("<?xml") and "?>" in text:
        end = text.index("?>") + 2
        return text[:end], text[end:]
    return "", text


def _serialise(soup: BeautifulSoup, original: str, markup: Markup) -> str:
    if markup == "html":
        return str(soup)
    root = soup.find(_ROOT)
    assert root is not None
    return _split_declaration(original)[0] + root.decode_contents()
