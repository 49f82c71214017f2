"""Summarisation strategies, selectable by name in API, CLI and eval."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from service.engine import Engine
from service.errors import InvalidField
from service.glossary.terms import GlossaryPolicy
from service.languages import PAIR_ROLE, ROLE_PAIR
from service.overload import Deadline
from service.pipeline.extractive import rank
from service.pipeline.human import HumanTranslations
from service.pipeline.report import Report
from service.pipeline.requests import Length
from service.pipeline.summarize import Summarizer
from service.pipeline.translate import Translator
from service.prompts import Prompt, PromptRegistry
from service.text.segment import split_sentences


@dataclass(frozen=True)
class Article:
    sentences: tuple[str, ...]  # Indonesian body sentences, in order


@dataclass(frozen=True)
class Summaries:
    en: str
    id: str | None = None  # None: the pipeline back-translates when Indonesian is wanted
    source_en: str | None = None  # the whole article in English, when the strategy made it
    # The English of each article sentence the strategy translated (None where it did not):
    # what attribution aligns the summary with.
    source_en_sentences: tuple[str | None, ...] | None = None
    prompt: Prompt | None = None


@dataclass(frozen=True)
class Context:
    engines: Mapping[str, Engine]
    batch_size: int
    prompts: PromptRegistry
    glossary: GlossaryPolicy | None = None  # the request's, enforced in every translation
    deadline: Deadline | None = None  # the request's
    human: HumanTranslations | None = None  # the request's snapshot, used in every translation

    def translator(self, role: str, label: str = "the translation",
                   part: str = "translation") -> Translator:
        """``label`` names the output in warnings, ``part`` in the list of human-translated
        sentences (service/pipeline/human.py's PARTS)."""
        pair = ROLE_PAIR[role]
        terms = self.glossary.for_pair(*pair) if self.glossary else None
        return Translator(self.engines[role], self.batch_size, pair=pair, glossary=terms,
                          label=label, deadline=self.deadline, human=self.human, part=part)


class Strategy(ABC):
    name: ClassVar[str]
    roles: ClassVar[tuple[str, ...]]  # engines it needs
    description: ClassVar[str]

    @abstractmethod
    def run(self, ctx: Context, article: Article, length: Length, report: Report,
            prompt: str | None = None) -> Summaries:
        ...


STRATEGIES: dict[str, Strategy] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    STRATEGIES[cls.name] = cls()
    return cls




def roles_needed(strategies: Iterable[str] = (), *,
                 pairs: Iterable[tuple[str, str]] = (), indonesian: bool = True) -> list[str]:
    """The one answer to "which models must be loaded": those of the named strategies, the
    en->id translator when a summary may be asked for in Indonesian too (``indonesian``),
    and the translator of each (source, target) pair. In that order, without repeats."""
    names = list(strategies)
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown:
        raise InvalidField("strategy", f"unknown strategy {unknown[0]!r}; available: "
                           f"{', '.join(STRATEGIES)}", code="unknown_strategy")
    roles = [r for n in names for r in STRATEGIES[n].roles]
    if names and indonesian:
        roles.append("translate_en_id")
    roles += [PAIR_ROLE[pair] for pair in pairs]
    return list(dict.fromkeys(roles))


def roles_for(names: Iterable[str]) -> list[str]:
    """The model roles a server of the named strategies loads (Indonesian summaries too)."""
    return roles_needed(names) or ["translate_en_id"]


@register
class TranslateSummarise(Strategy):
    name = "translate-summarise"
    roles = ("translate_id_en", "summarize")
    description = "translate every sentence to English, then summarise the English (default)"

    def run(self, ctx: Context, article: Article, length: Length, report: Report,
            prompt: str | None = None) -> Summaries:
        with report.stage("translate"):
            english = ctx.translator("translate_id_en", "the article's translation",
                                     "article").sentences(
                article.sentences, report)
        with report.stage("summarize"):
            summary = Summarizer(ctx.engines["summarize"]).summarize(english, length, report)
        return Summaries(en=summary, source_en=" ".join(english),
                         source_en_sentences=tuple(english))


@register
class SummariseTranslate(Strategy):
    name = "summarise-translate"
    roles = ("summarize_id", "translate_id_en")
    description = "summarise in Indonesian (mT5 XLSum), then translate the summary"

    def run(self, ctx: Context, article: Article, length: Length, report: Report,
            prompt: str | None = None) -> Summaries:
        with report.stage("summarize"):
            indonesian = Summarizer(ctx.engines["summarize_id"], out_lang="id").summarize(
                article.sentences, length, report)
        with report.stage("translate"):
            english = ctx.translator("translate_id_en", "the summary", "summary_en").sentences(
                split_sentences(indonesian, "id"), report)
        return Summaries(en=" ".join(english), id=indonesian)


@register
class Direct(Strategy):
    name = "direct"
    roles = ("crosssum",)
    description = "summarise Indonesian straight into English (mT5 CrossSum)"

    def run(self, ctx: Context, article: Article, length: Length, report: Report,
            prompt: str | None = None) -> Summaries:
        with report.stage("summarize"):
            summary = Summarizer(ctx.engines["crosssum"]).summarize(article.sentences, length,
                                                                    report)
        return Summaries(en=summary)


@register
class Instruct(Strategy):
    name = "instruct"
    roles = ("instruct",)
    description = "an instruction-tuned model (mt0) driven by a prompt template"
    default_prompt = "summarize-en"

    def run(self, ctx: Context, article: Article, length: Length, report: Report,
            prompt: str | None = None) -> Summaries:
        name, _, version = (prompt or self.default_prompt).partition("@v")
        template = ctx.prompts.get(name, int(version) if version.isdigit() else None)

        def wrap(text: str) -> str:
            return template.render(article=text, sentences=length.sentences)

        with report.stage("summarize"):
            summary = Summarizer(ctx.engines["instruct"], wrap=wrap).summarize(
                article.sentences, length, report)
        return Summaries(en=summary, prompt=template)


@register
class Extractive(Strategy):
    name = "extractive"
    roles = ("translate_id_en",)
    description = "the most central Indonesian sentences, translated (no summariser model)"

    def run(self, ctx: Context, article: Article, length: Length, report: Report,
            prompt: str | None = None) -> Summaries:
        with report.stage("select"):
            order = rank(article.sentences, length.sentences)
            picked = [article.sentences[i] for i in order]
        with report.stage("translate"):
            english = ctx.translator("translate_id_en", "the summary",
                                     "summary_en").sentences(picked, report)
        aligned: list[str | None] = [None] * len(article.sentences)
        for i, text in zip(order, english, strict=True):
            aligned[i] = text
        # The Indonesian summary is the article's own sentences: nothing to back-translate.
        return Summaries(en=" ".join(english), id=" ".join(picked),
                         source_en_sentences=tuple(aligned))
