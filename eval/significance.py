"""Is a change real? Paired tests between a baseline's summaries and this run's, on the same
articles and references: paired bootstrap resampling (``bs``) and approximate randomisation
(``ar``).

BLEU, chrF++ and TER are tested on sacrebleu's own sufficient statistics, with the resamples
or shuffles its command line draws (seed 12345, its default SACREBLEU_SEED), so that
``p_strict`` equals what ``sacrebleu REF -i BASE CURRENT --paired-bs`` (or ``--paired-ar``)
prints on the same files. Every other per-document metric (the
ROUGE family, reference coverage, the trust rates) is tested the same way on its
per-document values: the same resampling, the same seed, the same p-values, over the
statistic its corpus value is (a mean of documents, or a rate pooled over the claims or
sentences each document holds). The gate decides by a count of the samples at or beyond
the real difference, where sacrebleu counts those strictly beyond it; both are reported
(:class:`PairedResult`). Fewer than :data:`MIN_DOCUMENTS` articles in common: no test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.metrics import METRICS, _SacreBleu, _streams
from eval.run import NOT_GATED

# The metrics sacrebleu tests itself, as ringkas scores them.
PAIRED = ("bleu", "chrf", "ter")
TESTS = ("bs", "ar")
SEED = 12345
# sacrebleu's defaults: resamples for bs, shuffles for ar.
DEFAULT_SAMPLES = {"bs": 1000, "ar": 10000}
TEST_NAMES = {"bs": "paired bootstrap", "ar": "approximate randomisation"}
# Fewer articles in common than this and no paired test is run: the minimum alone decides.
# (With 5, no assignment of two systems' outputs to them gives approximate randomisation a
# p-value under 1/16: the test could not find any drop significant at 0.05.)
MIN_DOCUMENTS = 6


@dataclass(frozen=True)
class PairedResult:
    """``p_value``: the share of samples at or beyond the real difference (+1), what the
    gate decides by; ``p_strict``: the share strictly beyond it, sacrebleu's convention (for
    BLEU, chrF++ and TER the p-value ``sacrebleu --paired-bs``/``--paired-ar`` prints). They
    differ where samples tie the real difference: a shuffle that cannot tell the systems
    apart (one article changed: every shuffle gives the same difference) is no evidence
    of a change."""

    metric: str
    baseline: float
    current: float
    p_value: float
    test: str  # bs or ar
    p_strict: float | None = None

    @property
    def change(self) -> float:
        return self.current - self.baseline

    def to_json(self) -> dict[str, Any]:
        return {"baseline": round(self.baseline, 4), "current": round(self.current, 4),
                "change": round(self.change, 4), "p_value": round(self.p_value, 4),
                **({"p_strict": round(self.p_strict, 4)} if self.p_strict is not None
                   else {}),
                "test": self.test}


def paired(baseline: Sequence[str], current: Sequence[str], refs: Sequence[Sequence[str]],
           *, test: str = "bs", n_samples: int = 0,
           metrics: Sequence[str] = PAIRED) -> list[PairedResult]:
    """``baseline`` and ``current``: the two systems' outputs for the same documents, in
    the same order; ``refs``: each document's references. ``n_samples`` 0: sacrebleu's
    default (1000 resamples for bs, 10000 shuffles for ar).

    sacrebleu's own statistics and scoring (``PairedTest``'s steps: each system's
    sufficient statistics per segment, the same seeded resamples or shuffles, the same
    statistic), counted both ways (see :class:`PairedResult`)."""
    import numpy as np

    _known(test)
    n = len(current)
    streams = _streams(refs, n)
    samples = n_samples or DEFAULT_SAMPLES[test]
    out = []
    for name in metrics:
        metric = METRICS[name]()
        assert isinstance(metric, _SacreBleu), name
        scorer = metric._scorer()
        bl_stats = scorer._extract_corpus_statistics(list(baseline), streams)
        sys_stats = scorer._extract_corpus_statistics(list(current), streams)
        base = float(scorer._aggregate_and_compute(bl_stats).score)
        cur = float(scorer._aggregate_and_compute(sys_stats).score)
        real = abs(base - cur)
        rng = np.random.default_rng(SEED)
        if test == "bs":
            idxs = rng.choice(n, size=(samples, n), replace=True)
            bl = np.array(bl_stats, dtype="float32")
            sy = np.array(sys_stats, dtype="float32")
            diffs = np.abs(
                np.array([scorer._compute_score_from_stats(x.sum(0)).score for x in sy[idxs]])
                - np.array([scorer._compute_score_from_stats(x.sum(0)).score
                            for x in bl[idxs]]))
            stats = diffs - diffs.mean()
        else:
            pos = rng.integers(2, size=(samples, n), dtype=bool)
            neg = ~pos
            bl, sy = np.asarray(bl_stats), np.asarray(sys_stats)
            a = [scorer._aggregate_and_compute(x).score for x in (pos @ bl + neg @ sy)[:, None]]
            b = [scorer._aggregate_and_compute(x).score for x in (neg @ bl + pos @ sy)[:, None]]
            stats = np.abs(np.array(a) - np.array(b))
        out.append(_result(name, base, cur, stats, real, test))
    return out


def _known(test: str) -> None:
    if test not in TESTS:
        raise ValueError(f"unknown paired test {test!r}; known: {', '.join(TESTS)}")


def _result(metric: str, base: float, cur: float, stats: Any, real: float,
            test: str) -> PairedResult:
    """The two counts (after multeval and sacrebleu: +1, so that a test never claims more
    than its samples show). A score that did not change has p = 1 both ways: sacrebleu's
    strict count gives a zero difference as little as 1 / (samples + 1)."""
    import numpy as np

    if abs(cur - base) <= 1e-9 * max(1.0, abs(base)):
        return PairedResult(metric, base, cur, 1.0, test, 1.0)
    # (a sample that ties the real difference up to float noise ties it)
    reached = int(np.sum(stats >= real - 1e-9 * max(1.0, real)))
    beyond = int(np.sum(stats > real))
    total = len(stats) + 1
    return PairedResult(metric, base, cur, (reached + 1) / total, test, (beyond + 1) / total)


def paired_values(metric: str, baseline: Sequence[float], current: Sequence[float],
                  weights: tuple[Sequence[float], Sequence[float]] | None = None, *,
                  test: str = "bs", n_samples: int = 0, seed: int = SEED) -> PairedResult:
    """The paired test on per-document values. The statistic is their mean or, with
    ``weights`` (the baseline's and this run's claims or sentences per document), the
    pooled rate sum(value * weight) / sum(weight): what the corpus value is. A document's
    weight travels with its value when a shuffle swaps the two systems' outputs."""
    import numpy as np

    _known(test)
    v = np.asarray([baseline, current], dtype=float)  # (system, document)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    n = v.shape[1]

    def pooled(values: Any, wts: Any, counts: Any) -> Any:
        """Per sample: counts (samples, documents) of each document's uses. A sample of
        nothing to pool (no claims at all) takes its documents' own values, which follow
        the corpus value's convention for it (no sentences: coverage 100)."""
        uses = counts * np.ones_like(values)
        den = uses * wts
        num = (den * values).sum(axis=1)
        total = den.sum(axis=1)
        plain = (uses * values).sum(axis=1) / uses.sum(axis=1)
        return np.divide(num, total, out=plain, where=total > 0)

    once = np.ones((1, n))
    base_value = float(pooled(v[0], w[0], once)[0])
    cur_value = float(pooled(v[1], w[1], once)[0])
    real = abs(cur_value - base_value)
    rng = np.random.default_rng(seed)
    samples = n_samples or DEFAULT_SAMPLES[test]
    if test == "bs":
        idxs = rng.choice(n, size=(samples, n), replace=True)
        counts = np.zeros((samples, n))
        np.add.at(counts, (np.arange(samples)[:, None], idxs), 1)
        diffs = np.abs(pooled(v[1], w[1], counts) - pooled(v[0], w[0], counts))
        stats = diffs - diffs.mean()
    else:
        keep = rng.integers(2, size=(samples, n), dtype=bool)
        a = pooled(np.where(keep, v[0], v[1]), np.where(keep, w[0], w[1]), 1.0)
        b = pooled(np.where(keep, v[1], v[0]), np.where(keep, w[1], w[0]), 1.0)
        stats = np.abs(a - b)
    return _result(metric, base_value, cur_value, stats, real, test)


def _per_document(run: Mapping[str, Any], base: Mapping[str, Any], docs: Sequence[str]
                  ) -> dict[str, tuple[list[float], list[float],
                                       tuple[list[float], list[float]] | None]]:
    """The metrics both runs hold for every one of ``docs``, besides sacrebleu's."""
    out = {}
    cur_docs, base_docs = run.get("documents", {}), base.get("documents", {})
    names = set.intersection(*(set(cur_docs.get(d, {})) & set(base_docs.get(d, {}))
                               for d in docs)) - set(PAIRED) - NOT_GATED
    for name in sorted(names):
        cw = [run.get("weights", {}).get(d, {}).get(name) for d in docs]
        bw = [base.get("weights", {}).get(d, {}).get(name) for d in docs]
        weights = None
        if any(x is not None for x in cw + bw):
            if None in cw or None in bw:
                continue  # a pooled rate one side cannot be resampled for
            weights = ([float(x) for x in bw if x is not None],
                       [float(x) for x in cw if x is not None])
        out[name] = ([float(base_docs[d][name]) for d in docs],
                     [float(cur_docs[d][name]) for d in docs], weights)
    return out


def compare_runs(current: Mapping[str, Any], baseline: Mapping[str, Any],
                 references: Mapping[str, Sequence[str]], *, test: str = "bs",
                 n_samples: int = 0) -> dict[str, dict[str, dict[str, Any]]]:
    """Per summary strategy both reports ran: each metric's scores on the articles both
    have outputs for, the change, and its p-value."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for strategy, run in current.get("summaries", {}).items():
        base = baseline.get("summaries", {}).get(strategy)
        if not base:
            continue
        docs = [d for d in run.get("outputs", {}) if d in base.get("outputs", {})
                and d in references]
        if len(docs) < MIN_DOCUMENTS:
            continue
        results = paired([base["outputs"][d] for d in docs], [run["outputs"][d] for d in docs],
                         [list(references[d]) for d in docs], test=test, n_samples=n_samples)
        for name, (b, c, w) in _per_document(run, base, docs).items():
            results.append(paired_values(name, b, c, w, test=test, n_samples=n_samples))
        out[strategy] = {r.metric: {**r.to_json(), "documents": len(docs)} for r in results}
    return out
