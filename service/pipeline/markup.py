"""Translation of many texts whose source languages may differ, plain or as markup (HTML or
XML: the text nodes are translated, the markup kept), as the compatible APIs (LibreTranslate,
DeepL) and HTML documents serve it. One path for all, on the same :meth:`Pipeline.translate`
as /v1/translate.

In markup, each piece of text between two tags is one unit, sent without the whitespace
around it and put back with it, so the markup and the layout stay as they were. Not
translated: comments, the doctype, CDATA, processing instructions, text inside the skipped
tags (on any ancestor), and pieces without letters ("2024", "—", "12,5%")."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from bs4 import NavigableString
from bs4.element import PreformattedString

from service.errors import InvalidMarkup
from service.glossary.terms import GlossaryPolicy
from service.languages import LANGUAGES, Markup
from service.overload import Deadline
from service.pipeline.pipeline import Pipeline
from service.pipeline.report import RunWarning
from service.pipeline.requests import TranslateRequest
from service.text.language import likelier_language
from service.text.parse import FRAGMENT_ROOT, parse_markup, split_prolog

# Texts in, their translations out (same length, same order).
TranslateTexts = Callable[[Sequence[str]], list[str]]
# Never translated: code, scripts, styles (HTML's names; an XML document's own are its tags).
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "code", "pre"})


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


def plain_text(text: str, markup: Markup | None) -> str:
    """What a person reads of ``text``: its text nodes, when it is markup (InvalidMarkup
    when it cannot be parsed)."""
    if markup is None:
        return text
    return parse_markup(text, markup).get_text(" ")


def detect(text: str, markup: Markup | None = None) -> tuple[str, float]:
    """The more likely of id and en for ``text`` (of its text, for markup), and its
    probability (0-1). Markup that cannot be parsed is read as it is: a guess needs only
    its words, and the refusal, where the markup is to be translated, is the translation's
    to make (LibreTranslate's detection reads every text as HTML, even format text)."""
    try:
        read = plain_text(text, markup)
    except InvalidMarkup:
        read = text
    return likelier_language(read)


def pipeline_translator(pipeline: Pipeline, deadline: Deadline | None, source: str,
                        target: str, glossary: GlossaryPolicy | None = None,
                        warnings: list[RunWarning] | None = None) -> TranslateTexts:
    """Texts through the pipeline's translation (what /v1/translate runs, following
    ``glossary``), in one call; a text already in the target language comes back as it
    was. The pipeline's warnings are added to ``warnings``."""
    def translate(texts: Sequence[str]) -> list[str]:
        if source == target:
            return list(texts)
        return _translate(pipeline, deadline, texts, source, target, glossary=glossary,
                          warnings=warnings)[0]

    return translate


def translate_all(pipeline: Pipeline, deadline: Deadline | None, texts: Sequence[str],
                  sources: Sequence[str], target: str, markup: Markup | None = None,
                  skip_tags: Collection[str] = SKIP_TAGS, *,
                  glossary: GlossaryPolicy | None = None,
                  warnings: list[RunWarning] | None = None) -> list[str]:
    """Each text translated from its own source language into ``target``, in one pipeline
    call per source language, following ``glossary`` (the pipeline's warnings, such as
    glossary_not_applied, are added to ``warnings``). A text already in the target language
    comes back as it was."""
    return translate_each(pipeline, deadline, texts, sources, target, markup, skip_tags,
                          glossary=glossary, warnings=warnings)[0]


def translate_each(pipeline: Pipeline, deadline: Deadline | None, texts: Sequence[str],
                   sources: Sequence[str], target: str, markup: Markup | None = None,
                   skip_tags: Collection[str] = SKIP_TAGS, alternatives: int = 0, *,
                   glossary: GlossaryPolicy | None = None,
                   warnings: list[RunWarning] | None = None,
                   ) -> tuple[list[str], list[list[str]]]:
    """As :func:`translate_all`, with up to ``alternatives`` other translations of each
    text (none for markup, as LibreTranslate, nor for a text already in the target
    language)."""
    out = list(texts)
    others: list[list[str]] = [[] for _ in texts]
    for source in LANGUAGES:
        todo = [i for i, s in enumerate(sources) if s == source and s != target]
        if not todo:
            continue
        chosen = [texts[i] for i in todo]
        if markup:
            done = translate_markup(chosen, pipeline_translator(
                pipeline, deadline, source, target, glossary, warnings), markup, skip_tags)
            alts: list[list[str]] = [[] for _ in todo]
        else:
            done, alts = _translate(pipeline, deadline, chosen, source, target, alternatives,
                                    glossary=glossary, warnings=warnings)
        for i, text, alt in zip(todo, done, alts, strict=True):
            out[i], others[i] = text, alt
    return out, others


def _translate(pipeline: Pipeline, deadline: Deadline | None, texts: Sequence[str],
               source: str, target: str, alternatives: int = 0, *,
               glossary: GlossaryPolicy | None = None,
               warnings: list[RunWarning] | None = None) -> tuple[list[str], list[list[str]]]:
    if not texts:
        return [], []
    result = pipeline.translate(TranslateRequest(texts=tuple(texts), source=source,
                                                 target=target, single=False,
                                                 alternatives=alternatives,
                                                 glossary=glossary), deadline)
    assert isinstance(result.translation, list)
    if warnings is not None:
        warnings.extend(result.warnings)
    return result.translation, result.alternatives or [[] for _ in texts]


def translate_markup(docs: Sequence[str], translate: TranslateTexts, markup: Markup = "html",
                     skip_tags: Collection[str] = SKIP_TAGS) -> list[str]:
    """The text nodes of each document translated (all documents' in one call), the markup
    kept."""
    pages = [MarkupText(doc, markup, skip_tags) for doc in docs]
    done = iter(translate([u for page in pages for u in page.units]))
    return [page.render([next(done) for _ in page.nodes]) for page in pages]


class MarkupText:
    """The translatable text nodes of one HTML or XML document (or fragment)."""

    def __init__(self, doc: str, markup: Markup = "html",
                 skip_tags: Collection[str] = SKIP_TAGS) -> None:
        self.markup = markup
        self.declaration = split_prolog(doc)[0] if markup == "xml" else ""
        self.soup = parse_markup(doc, markup)
        skip = frozenset(skip_tags)
        # PreformattedString: comments, the doctype, CDATA, processing instructions, which
        # the parser gives as string nodes too; they are not the page's text.
        self.nodes: list[NavigableString] = [
            node for node in self.soup.find_all(string=True)
            if not isinstance(node, PreformattedString) and has_letters(node)
            and not any(parent.name in skip for parent in node.parents)]

    @property
    def units(self) -> list[str]:
        return [n.strip() for n in self.nodes]

    def render(self, translations: Sequence[str]) -> str:
        """The document with each node replaced by its translation (once), the node's own
        whitespace around it."""
        for node, text in zip(self.nodes, translations, strict=True):
            lead, _, trail = split_space(str(node))
            node.replace_with(NavigableString(f"{lead}{text}{trail}"))
        if self.markup == "html":
            return str(self.soup)
        root = self.soup.find(FRAGMENT_ROOT)
        assert root is not None
        return self.declaration + root.decode_contents()
