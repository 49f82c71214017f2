"""Fidelity check: which numbers, amounts, percentages, years, dates and names in an English
summary the Indonesian article (or its English machine translation) does not support, each
checked against the article sentences that support its summary sentence (attribution).

Rule-based and cheap: no model, no network, nothing logged. See ``align`` for attribution,
``review`` for what "supports" means per kind, and ``sources`` for how the article is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from service.fidelity.align import Attribution, SentenceAttribution, SourceLink, attribute
from service.fidelity.report import (
    ISSUES,
    NUMERIC_KINDS,
    Claim,
    FidelityReport,
    UnsupportedSentence,
)
from service.fidelity.review import review
from service.fidelity.sources import Sources, build_sources, sources_from_text
from service.text.segment import split_sentences

__all__ = [
    "ISSUES", "NUMERIC_KINDS", "Attribution", "Claim", "FidelityReport", "SentenceAttribution",
    "SourceLink", "Sources", "UnsupportedSentence", "attribute", "build_sources",
    "check_fidelity", "check_summary", "review", "sources_from_text",
]  # fmt: skip


def check_summary(summary: str, sources: Sources, tick: Callable[[], None] | None = None,
                  ) -> tuple[Attribution, FidelityReport]:
    """Attribution of each summary sentence, and the claims checked against it, with the
    sentences nothing supports. ``tick`` is called before each summary sentence is
    attributed and reviewed (a request's deadline check: it raises to stop the work)."""
    attribution = attribute(split_sentences(summary, "en"), sources, tick)
    unsupported = tuple(UnsupportedSentence(i, s.text)
                        for i, s in enumerate(attribution.summary_sentences) if not s.supported)
    return attribution, replace(review(attribution, sources, tick), sentences=unsupported)


def check_fidelity(summary: str, source_id: str | Sequence[str],
                   source_en: str | Sequence[str | None] | None = None) -> FidelityReport:
    """Claims in ``summary`` (English), each marked supported or not by ``source_id`` (the
    Indonesian article, or its sentences) and ``source_en`` (its English translation: a
    text, or one per sentence)."""
    return check_summary(summary, sources_from_text(source_id, source_en))[1]
