"""The pipeline object shared by the HTTP API and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from service.config import Limits
from service.engine import Engine, ModelInfo
from service.engine.recall import Tally, TranslationMemory, model_fingerprint
from service.errors import InvalidField, PayloadTooLarge
from service.fidelity import Attribution, FidelityReport, build_sources, check_summary
from service.glossary.terms import GlossaryPolicy
from service.languages import PAIR_ROLE, ROLE_PAIR, SUMMARY_PAIR
from service.overload import Deadline, DeadlineBound
from service.pipeline.guards import (
    check_empty,
    check_language,
    check_repetition,
    printable,
    strip_controls,
)
from service.pipeline.human import NO_HUMAN, HumanLookup, HumanTranslations, HumanUse
from service.pipeline.report import Listener, Report, RunWarning
from service.pipeline.requests import SummarizeRequest, TranslateRequest
from service.pipeline.reuse import ResultCache, request_key
from service.pipeline.strategies import STRATEGIES, Article, Context, Strategy
from service.pipeline.translate import Translator
from service.prompts import Prompt, PromptRegistry
from service.text.clean import CleanedArticle, clean_article
from service.text.segment import split_sentences

_LANG_NAME = {"en": "English", "id": "Indonesian"}


@dataclass(frozen=True)
class SummaryResult:
    summary: dict[str, str]
    strategy: str
    length: str | int
    models: list[ModelInfo]
    timings_ms: dict[str, float]
    fidelity: FidelityReport
    prompt: Prompt | None = None
    warnings: list[RunWarning] = field(default_factory=list)
    translation: str | None = None  # the whole article in English, when asked
    # Each summary sentence's supporting article sentences, when asked.
    attribution: Attribution | None = None
    # The translation memory's hits and misses over the sentences this answer translated
    # (None: no memory on this server).
    translation_memory: Tally | None = None
    # True: the result made for an identical earlier (or concurrent) request, whose timings
    # and memory counts these are.
    reused: bool = False
    # The sentences a human translation gave (service/pipeline/human.py).
    human_translations: tuple[HumanUse, ...] = ()


@dataclass(frozen=True)
class TranslationResult:
    translation: str | list[str]
    models: list[ModelInfo]
    timings_ms: dict[str, float]
    warnings: list[RunWarning] = field(default_factory=list)
    # Per text, when the request asked for alternatives: distinct other translations,
    # best first (never the translation itself).
    alternatives: list[list[str]] | None = None
    translation_memory: Tally | None = None  # as SummaryResult's
    human_translations: tuple[HumanUse, ...] = ()  # as SummaryResult's


class Pipeline:
    def __init__(self, engines: Mapping[str, Engine], *, batch_size: int = 16,
                 prompts: PromptRegistry | None = None, limits: Limits | None = None,
                 memory: TranslationMemory | None = None,
                 results: ResultCache[SummaryResult] | None = None,
                 human: HumanLookup | None = None) -> None:
        self.engines = dict(engines)
        self.batch_size = batch_size
        self.prompts = prompts or PromptRegistry.from_dir()
        self.limits = limits or Limits()
        self.memory = memory
        self.results = results
        # The human translations of the moment, asked once per request.
        self.human = human or (lambda: NO_HUMAN)
        # What of each model decides its output: the memory's keys, and (all of them) part
        # of every result cache key.
        self._fingerprints = {role: model_fingerprint(e.info)
                              for role, e in sorted(self.engines.items())}
        self._models_key = list(self._fingerprints.values())

    def _engines(self, deadline: Deadline | None, tally: Tally | None) -> dict[str, Engine]:
        """One request's engines: under its deadline, and behind the memory (every model
        call is deterministic: a summariser asked the same twice, as for the English then
        the Indonesian summary of one article, is answered once too). ``tally`` counts the
        translators' lookups, which the answer reports."""
        engines = (self.engines if deadline is None else
                   {role: DeadlineBound(e, deadline) for role, e in self.engines.items()})
        if self.memory is None:
            return dict(engines)
        return {role: self.memory.recalling(e, tally if role in ROLE_PAIR else None,
                                            self._fingerprints[role])
                for role, e in engines.items()}

    def _tally(self) -> Tally | None:
        return Tally() if self.memory is not None else None

    @staticmethod
    def _count_human(tally: Tally | None, report: Report) -> tuple[HumanUse, ...]:
        if tally is not None:
            tally.add_human(len(report.human))
        return tuple(report.human)

    def _check_sentences(self, count: int) -> None:
        if count > self.limits.max_sentences:
            raise PayloadTooLarge(f"the text has {count} sentences; the limit is "
                                  f"{self.limits.max_sentences}", code="too_many_sentences",
                                  details={"limit": self.limits.max_sentences})

    @property
    def strategies(self) -> dict[str, Strategy]:
        """The strategies whose models are loaded."""
        return {n: s for n, s in STRATEGIES.items() if all(r in self.engines for r in s.roles)}

    def summarize(self, req: SummarizeRequest, deadline: Deadline | None = None,
                  listener: Listener | None = None) -> SummaryResult:
        """The summary of ``req``; with a result cache, the one already made for an
        identical request (the same cleaned article and options, on the same models), and
        computed once for identical requests that arrive together. ``listener`` hears of
        each step as it finishes (service/contract/events.py)."""
        strategy = self.strategies.get(req.strategy)
        if strategy is None:
            raise InvalidField("strategy", f"strategy {req.strategy!r} is not enabled on this "
                               f"server; enabled: {', '.join(self.strategies)}",
                               code="unknown_strategy")
        report = Report(listener=listener)
        # The result's timings_ms is this report's own dict: "total" lands in it as the
        # stage closes, before the result leaves.
        with report.stage("total"):
            with report.stage("clean"):
                cleaned = clean_article(req.text, html=req.html, title=req.title)
            human = self.human()
            if self.results is None:
                return self._summarize(req, strategy, cleaned, report, deadline, human)
            key = request_key("summary", cleaned.body, req.strategy, req.length.to_json(),
                              req.languages, req.prompt, req.translation, req.attribution,
                              _glossary_key(req.glossary), self._models_key, human.digest)
            result, reused = self.results.get_or_compute(
                key, lambda: self._summarize(req, strategy, cleaned, report, deadline, human),
                deadline.check if deadline is not None else None)
        if not reused:
            return result
        report.emit("summary", dict(result.summary))
        report.emit("fidelity", result.fidelity.to_json())
        return replace(result, reused=True)

    def _summarize(self, req: SummarizeRequest, strategy: Strategy, cleaned: CleanedArticle,
                   report: Report, deadline: Deadline | None,
                   human: HumanTranslations) -> SummaryResult:
        tally = self._tally()
        engines = self._engines(deadline, tally)
        with report.stage("segment"):
            sentences = tuple(split_sentences(cleaned.body, "id"))
        if not sentences:
            raise InvalidField("text", "no article text is left after removing markup and "
                               "boilerplate", code="empty_after_cleaning")
        self._check_sentences(len(sentences))
        report.emit("segmented", {"sentences": len(sentences)})
        if len(sentences) < req.length.sentences:
            report.warn("short_article", f"the article has {len(sentences)} sentence(s), "
                        f"fewer than the {req.length.sentences} asked for")
        with report.stage("language"):
            check_language(report, cleaned.body, "id", "the article")
        ctx = Context(engines, self.batch_size, self.prompts, req.glossary, deadline, human)
        out = strategy.run(ctx, Article(sentences), req.length, report, req.prompt)
        roles = list(strategy.roles)
        terms = req.glossary.for_pair(*SUMMARY_PAIR) if req.glossary else None
        # A term the summariser copied in its Indonesian form gets the glossary's English.
        summary = {"en": terms.substitute(out.en, deadline) if terms else out.en}
        if "id" in req.languages:
            summary["id"] = out.id if out.id is not None else self._back_translate(
                ctx, summary["en"], report, roles)
        report.emit("summary", {lang: strip_controls(summary[lang]) for lang in req.languages})
        translation, translated = (self._full_translation(
            ctx, sentences, out.source_en, report, roles) if req.translation
            else (None, None))
        with report.stage("fidelity"):
            # The article's own sentences, with the English the strategy (or the full
            # translation asked for) made: no extra model call.
            english = out.source_en_sentences
            if translated is not None and (english is None or None in english):
                english = translated
            sources = build_sources(sentences, english)
            attribution, fidelity = check_summary(
                summary["en"], sources, deadline.check if deadline is not None else None)
        if not summary["en"].strip():
            fidelity = replace(fidelity, empty=True)
        report.emit("fidelity", fidelity.to_json())
        # Always: a sentence nothing supports is a finding whether or not the request
        # asked for the sentence-level detail (attribution).
        for unsupported in fidelity.sentences:
            report.warn("unsupported_sentence", unsupported.warning())
        for message in fidelity.warnings():
            report.warn("unsupported_claim", message)
        summary = {lang: printable(report, summary[lang],
                                   f"the {_LANG_NAME[lang]} summary ({lang})")
                   for lang in req.languages}
        if translation is not None:
            translation = printable(report, translation, "the translation")
        for lang, text in summary.items():
            name = f"the {_LANG_NAME[lang]} summary ({lang})"
            check_empty(report, text, name)
            check_repetition(report, text, name)
        return SummaryResult(summary, req.strategy, req.length.to_json(),
                             self._provenance(roles, report, "summary"), report.timings_ms,
                             fidelity,
                             out.prompt, report.warnings, translation, attribution, tally,
                             human_translations=self._count_human(tally, report))

    def _full_translation(self, ctx: Context, sentences: tuple[str, ...],
                          source_en: str | None, report: Report, roles: list[str],
                          ) -> tuple[str | None, tuple[str, ...] | None]:
        """The article in English: the strategy's own when it made one (no second pass),
        else translated now (with its sentences, one per article sentence); None, with a
        warning, when no id->en model is loaded."""
        if source_en is not None:
            return source_en, None
        if "translate_id_en" not in ctx.engines:
            report.warn("translation_unavailable", "the full translation needs the "
                        "translate_id_en model, which this server has not loaded")
            return None, None
        roles.append("translate_id_en")
        with report.stage("translate_full"):
            english = tuple(ctx.translator("translate_id_en", "the full translation", "article")
                            .sentences(sentences, report))
        return " ".join(english), english

    def _back_translate(self, ctx: Context, english: str, report: Report,
                        roles: list[str]) -> str:
        roles.append("translate_en_id")
        with report.stage("back_translate"):
            sentences = split_sentences(english, "en")
            return " ".join(ctx.translator("translate_en_id", "the Indonesian summary",
                                           "summary_id")
                            .sentences(sentences, report))

    def translate(self, req: TranslateRequest, deadline: Deadline | None = None,
                  listener: Listener | None = None) -> TranslationResult:
        role = PAIR_ROLE[(req.source, req.target)]
        report = Report(listener=listener)
        tally = self._tally()
        terms = req.glossary.for_pair(req.source, req.target) if req.glossary else None
        translator = Translator(self._engines(deadline, tally)[role], self.batch_size,
                                pair=(req.source, req.target), glossary=terms,
                                deadline=deadline, human=self.human())
        names = ["the translation" if req.single else f"translation {i}"
                 for i in range(len(req.texts))]
        with report.stage("total"):
            for i, text in enumerate(req.texts):
                check_language(report, text, req.source,
                               "the text" if req.single else f"text {i}")
            found = translator.text_hypotheses(req.texts, req.source, req.alternatives + 1,
                                               report, max_sentences=self.limits.max_sentences,
                                               names=names)
            out = [printable(report, hyps[0], name) for hyps, name in zip(found, names,
                                                                          strict=True)]
            for text, name in zip(out, names, strict=True):
                check_repetition(report, text, name)
            alternatives = ([_distinct(best, [printable(report, h, f"an alternative to {name}")
                                              for h in hyps[1:]])
                             for best, hyps, name in zip(out, found, names, strict=True)]
                            if req.alternatives else None)
        return TranslationResult(out[0] if req.single else out,
                                 self._provenance([role], report, "translation"),
                                 report.timings_ms, report.warnings, alternatives, tally,
                                 self._count_human(tally, report))

    def _provenance(self, roles: list[str], report: Report, product: str) -> list[ModelInfo]:
        infos = [self.engines[r].info for r in dict.fromkeys(roles)]
        noisy = [i.role for i in infos if i.random_weights]
        if noisy:
            report.warn("random_weights", "model(s) for " + ", ".join(noisy) + " have random "
                        f"weights (ringkas models make-tiny): the text is noise, not a {product}")
        return infos


def _glossary_key(policy: GlossaryPolicy | None) -> Any:
    if policy is None:
        return None
    return [[t.source_lang, t.target_lang, t.entries] for t in policy.dictionaries]


def _distinct(best: str, others: list[str]) -> list[str]:
    """``others`` in order, without repeats and without ``best`` (two hypotheses differing
    only in tokens that decode alike read the same)."""
    seen = {best}
    out = []
    for text in others:
        if text.strip() and text not in seen:
            seen.add(text)
            out.append(text)
    return out
