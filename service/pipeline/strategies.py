"""Summarisation strategies, selectable by name in API, CLI and eval."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from service.engine import Engine
from service.pipeline.extractive import rank
from service.pipeline.report import Report
from service.pipeline.summarize import Summarizer
from service.pipeline.translate import Translator
from service.schemas import Length


@dataclass(frozen=True)
class Article:
    sentences: tuple[str, ...]  # Indonesian body sentences, in order


@dataclass(frozen=True)
class Summaries:
    en: str
    id: str | None  # None when the strategy leaves the Indonesian side to back-translation


class Strategy(ABC):
    name: ClassVar[str]
    roles: ClassVar[tuple[str, ...]]  # engines it needs

    def __init__(self, engines: Mapping[str, Engine], batch_size: int) -> None:
        self.engines = engines
        self.batch_size = batch_size

    def translator(self, role: str) -> Translator:
        return Translator(self.engines[role], self.batch_size)

    @abstractmethod
    def run(self, article: Article, length: Length, want_id: bool, report: Report) -> Summaries:
        ...


STRATEGIES: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    STRATEGIES[cls.name] = cls
    return cls


@register
class TranslateSummarise(Strategy):
    """Translate every sentence to English, then summarise the English (the default)."""

    name = "translate-summarise"
    roles = ("translate_id_en", "summarize")

    def run(self, article: Article, length: Length, want_id: bool, report: Report) -> Summaries:
        with report.stage("translate"):
            english = self.translator("translate_id_en").sentences(article.sentences, report)
        with report.stage("summarize"):
            summary = Summarizer(self.engines["summarize"]).summarize(english, length, report)
        return Summaries(en=summary, id=None)


@register
class Extractive(Strategy):
    """The most central Indonesian sentences, translated: no summariser model needed."""

    name = "extractive"
    roles = ("translate_id_en",)

    def run(self, article: Article, length: Length, want_id: bool, report: Report) -> Summaries:
        with report.stage("select"):
            picked = [article.sentences[i] for i in rank(article.sentences, length.sentences)]
        with report.stage("translate"):
            english = self.translator("translate_id_en").sentences(picked, report)
        # The Indonesian summary is the article's own sentences: nothing to back-translate.
        return Summaries(en=" ".join(english), id=" ".join(picked))

