"""Running strategies over the evaluation set and scoring what they write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.dataset import SummaryDoc, TranslationDoc
from eval.metrics import N_BOOTSTRAP, Score, get_metric
from eval.systems import System

SUMMARY_METRICS = ("rouge", "bleu", "chrf", "ter", "length", "fidelity")
TRANSLATION_METRICS = ("bleu", "chrf", "ter")
# Informational only: a longer summary is not a regression.
NOT_GATED = {"words", "compression"}


@dataclass
class StrategyRun:
    strategy: str
    corpus: dict[str, Score] = field(default_factory=dict)
    documents: dict[str, dict[str, float]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    models: list[dict[str, Any]] = field(default_factory=list)
    prompt: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "models": self.models,
            "prompt": self.prompt,
            "corpus": {name: s.to_json() for name, s in self.corpus.items()},
            "documents": self.documents,
            "outputs": self.outputs,
            "errors": self.errors,
        }


def _score(names: Sequence[str], hyps: list[str], refs: list[list[str]], sources: list[str],
           doc_ids: list[str], run: StrategyRun, n_bootstrap: int,
           sources_en: list[str | None] | None = None) -> None:
    for name in names:
        kwargs: dict[str, Any] = {}
        if name in {"rouge", "bleu", "chrf", "ter"}:
            kwargs["n_bootstrap"] = n_bootstrap
        elif name == "fidelity":
            kwargs["sources_en"] = sources_en
        metric = get_metric(name, **kwargs)
        for score in metric.corpus(hyps, refs, sources):
            run.corpus[score.name] = score
        for doc_id, scores in zip(doc_ids, metric.documents(hyps, refs, sources), strict=True):
            run.documents.setdefault(doc_id, {}).update(
                {s.name: round(s.value, 4) for s in scores})


def _progress(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="doc", disable=not enabled, leave=False)


def evaluate_summaries(docs: Sequence[SummaryDoc], system: System, strategies: Sequence[str],
                       length: str | int = "medium", prompt: str | None = None,
                       n_bootstrap: int = N_BOOTSTRAP, progress: bool = True,
                       ) -> dict[str, StrategyRun]:
    results: dict[str, StrategyRun] = {}
    with _progress(len(docs) * len(strategies), "summaries", progress) as bar:
        for strategy in strategies:
            run = StrategyRun(strategy)
            for doc in docs:
                try:
                    response = system.summarize(doc.doc_id, doc.source, strategy, length, prompt)
                except Exception as exc:  # one failing article must not lose the others
                    run.errors[doc.doc_id] = f"{type(exc).__name__}: {exc}"
                else:
                    run.outputs[doc.doc_id] = response["summary"]["en"]
                    run.models = run.models or response.get("models", [])
                    run.prompt = run.prompt or response.get("prompt")
                bar.update(1)
            done = [d for d in docs if d.doc_id in run.outputs]
            if done:
                _score(SUMMARY_METRICS, [run.outputs[d.doc_id] for d in done],
                       [list(d.references) for d in done], [d.source for d in done],
                       [d.doc_id for d in done], run, n_bootstrap,
                       [d.source_en for d in done])
            results[strategy] = run
    return results


def evaluate_translation(docs: Sequence[TranslationDoc], system: System,
                         n_bootstrap: int = N_BOOTSTRAP, progress: bool = True,
                         batch: int = 32) -> StrategyRun:
    """Segment-level corpus scores over all documents, plus a score per document. Texts go
    in batches (a server's per-request limits); a failing document is recorded, not fatal."""
    run = StrategyRun("translate_id_en")
    hyps: list[str] = []
    refs: list[list[str]] = []
    with _progress(len(docs), "translation", progress) as bar:
        for doc in docs:
            out: list[str] = []
            try:
                for start in range(0, len(doc.source), batch):
                    response = system.translate(list(doc.source[start:start + batch]))
                    out.extend(response["translation"])
                    run.models = run.models or response.get("models", [])
            except Exception as exc:  # one failing document must not lose the others
                run.errors[doc.doc_id] = f"{type(exc).__name__}: {exc}"
                bar.update(1)
                continue
            hyps.extend(out)
            refs.extend([r] for r in doc.reference)
            for name in TRANSLATION_METRICS:
                metric = get_metric(name, n_bootstrap=1)
                (score,) = metric.corpus(out, [[r] for r in doc.reference], list(doc.source))
                run.documents.setdefault(doc.doc_id, {})[name] = round(score.value, 4)
            bar.update(1)
    if hyps:
        for name in TRANSLATION_METRICS:
            (score,) = get_metric(name, n_bootstrap=n_bootstrap).corpus(hyps, refs,
                                                                        [""] * len(hyps))
            run.corpus[name] = score
    return run
