"""Running strategies over the evaluation set and scoring what they write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.dataset import SummaryDoc, TranslationDoc
from eval.metrics import N_BOOTSTRAP, Score, get_metric
from eval.systems import System

SUMMARY_METRICS = ("rouge", "bleu", "chrf", "ter", "length", "coverage", "fidelity")
TRANSLATION_METRICS = ("bleu", "chrf", "ter")
# Informational only: a longer or more abstractive summary is not a regression, and the
# words, the coverage and the loops already see a summary that shrinks.
NOT_GATED = {"compression", "sentences", "reference_length_ratio", "novel_bigrams_pct"}


@dataclass
class StrategyRun:
    strategy: str
    corpus: dict[str, Score] = field(default_factory=dict)
    documents: dict[str, dict[str, float]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    models: list[dict[str, Any]] = field(default_factory=list)
    prompt: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # Per document, what its value of a pooled metric is a rate over (Score.weight).
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    # Per document, each line's translation and warnings: for later runs to compare with,
    # not written to the report.
    lines: dict[str, list[tuple[str, list[dict[str, Any]]]]] = field(default_factory=dict,
                                                                      repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "models": self.models,
            "prompt": self.prompt,
            "corpus": {name: s.to_json() for name, s in self.corpus.items()},
            "documents": self.documents,
            "outputs": self.outputs,
            "errors": self.errors,
            **({"weights": self.weights} if self.weights else {}),
        }


def _score(names: Sequence[str], hyps: list[str], refs: list[list[str]], sources: list[str],
           doc_ids: list[str], run: StrategyRun, n_bootstrap: int,
           sources_en: list[str | None] | None = None, bar: Any = None,
           lsum_split: str = "ringkas") -> None:
    """Each metric of ``names`` over the run; ``bar`` (a progress bar) names the metric being
    scored, since TER on long texts takes minutes after the last document came back."""
    for name in names:
        if bar is not None:
            bar.set_postfix_str(f"scoring {run.strategy}: {name}", refresh=True)
        kwargs: dict[str, Any] = {}
        if name in {"rouge", "bleu", "chrf", "ter"}:
            kwargs["n_bootstrap"] = n_bootstrap
        if name == "rouge":
            kwargs["lsum_split"] = lsum_split
        elif name in {"fidelity", "coverage"}:
            kwargs["sources_en"] = sources_en
        metric = get_metric(name, **kwargs)
        for score in metric.corpus(hyps, refs, sources):
            run.corpus[score.name] = score
        for doc_id, scores in zip(doc_ids, metric.documents(hyps, refs, sources), strict=True):
            run.documents.setdefault(doc_id, {}).update(
                {s.name: round(s.value, 4) for s in scores})
            weights = {s.name: s.weight for s in scores if s.weight is not None}
            if weights:
                run.weights.setdefault(doc_id, {}).update(weights)


def expected_signatures(docs: Sequence[SummaryDoc], n_bootstrap: int,
                        lsum_split: str = "ringkas", *, summaries: bool = True,
                        translation: bool = False) -> dict[str, dict[str, str]]:
    """Per report section, each metric's signature as this run will write it, from scoring
    a reference of the first articles (under a second), so that a baseline scored another way
    is refused before minutes of summarising or translating, not after."""
    out: dict[str, dict[str, str]] = {}
    sample = list(docs[:2])
    if summaries and sample:
        run = StrategyRun("signatures")
        _score(SUMMARY_METRICS, [d.references[0] for d in sample],
               [list(d.references) for d in sample], [d.source for d in sample],
               [d.doc_id for d in sample], run, n_bootstrap, [d.source_en for d in sample],
               lsum_split=lsum_split)
        out["summaries"] = {name: score.signature for name, score in run.corpus.items()}
    if translation and sample:
        # Translations have one reference a line and are scored as evaluate_translation
        # scores their corpus.
        lines = [d.references[0] for d in sample]
        out["translation"] = {
            name: score.signature
            for name in TRANSLATION_METRICS
            for score in get_metric(name, n_bootstrap=n_bootstrap).corpus(
                lines, [[line] for line in lines], [""] * len(lines))}
    return out


def _progress(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="doc", disable=not enabled, leave=False)


def evaluate_summaries(docs: Sequence[SummaryDoc], system: System, strategies: Sequence[str],
                       length: str | int = "medium", prompt: str | None = None,
                       n_bootstrap: int = N_BOOTSTRAP, progress: bool = True,
                       lsum_split: str = "ringkas") -> dict[str, StrategyRun]:
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
                       [d.source_en for d in done], bar=bar, lsum_split=lsum_split)
            results[strategy] = run
    return results


def _per_line(response: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A /v1/translate answer for a list of texts, as (translation, its warnings) per text."""
    texts = list(response["translation"])
    said: list[list[dict[str, Any]]] = [[] for _ in texts]
    for w in response.get("warnings", []):
        index = (w.get("details") or {}).get("text")
        if isinstance(index, int) and 0 <= index < len(texts):
            said[index].append(w)
    return list(zip(texts, said, strict=True))


def evaluate_translation(docs: Sequence[TranslationDoc], system: System,
                         n_bootstrap: int = N_BOOTSTRAP, progress: bool = True,
                         batch: int = 32) -> StrategyRun:
    """Segment-level corpus scores over all documents, plus a score per document, and how
    many source values survive (eval/terms.py). Texts go in batches (a server's per-request
    limits); a failing document is recorded, not fatal."""
    from eval.terms import number_scores

    run = StrategyRun("translate_id_en")
    hyps: list[str] = []
    refs: list[list[str]] = []
    sources: list[str] = []
    said: list[list[dict[str, Any]]] = []
    with _progress(len(docs), "translation", progress) as bar:
        for doc in docs:
            lines: list[tuple[str, list[dict[str, Any]]]] = []
            try:
                for start in range(0, len(doc.source), batch):
                    response = system.translate(list(doc.source[start:start + batch]))
                    lines.extend(_per_line(response))
                    run.models = run.models or response.get("models", [])
            except Exception as exc:  # one failing document must not lose the others
                run.errors[doc.doc_id] = f"{type(exc).__name__}: {exc}"
                bar.update(1)
                continue
            out = [text for text, _ in lines]
            run.lines[doc.doc_id] = lines
            sources.extend(doc.source)
            said.extend(w for _, w in lines)
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
        run.corpus.update(number_scores(sources, hyps, said))
    return run


def evaluate_glossary(docs: Sequence[TranslationDoc], system: System,
                      plain: StrategyRun | None = None, progress: bool = True,
                      batch: int = 32) -> StrategyRun:
    """The lines that hold a term of the names glossary (eval/terms.py), translated with it:
    term accuracy with it (and, from ``plain``, without it) and misses no warning names."""
    from eval.terms import cases, entries_in, name_glossary, term_scores

    glossary = name_glossary(docs)
    found = cases(docs, glossary)
    keys = sorted({(c.doc, c.line) for c in found})
    run = StrategyRun("glossary")
    translated: dict[tuple[int, int], str] = {}
    warnings: dict[tuple[int, int], list[dict[str, Any]]] = {}
    with _progress(len(keys), "glossary", progress) as bar:
        for start in range(0, len(keys), batch):
            chunk = keys[start:start + batch]
            texts = [docs[d].source[k] for d, k in chunk]
            entries = entries_in(glossary, texts)
            try:
                response = system.translate(texts, glossary_entries=entries)
            except Exception as exc:  # one failing batch must not lose the others
                run.errors[f"lines {start}-{start + len(chunk) - 1}"] = (
                    f"{type(exc).__name__}: {exc}")
                continue
            run.models = run.models or response.get("models", [])
            for key, (text, said) in zip(chunk, _per_line(response), strict=True):
                translated[key], warnings[key] = text, said
            bar.update(len(chunk))
    without = None
    if plain is not None:
        without = {(d, k): text for d, doc in enumerate(docs)
                   for k, (text, _) in enumerate(plain.lines.get(doc.doc_id, []))}
    done = [c for c in found if (c.doc, c.line) in translated]
    if found:
        run.corpus.update(term_scores(done, translated, warnings, without))
        run.corpus["glossary_term_accuracy"].extra["glossary_entries"] = len(glossary)
    return run
