"""Is a change real? Paired tests between a baseline's summaries and this run's, on the same
articles and references: paired bootstrap resampling (``bs``) and approximate randomisation
(``ar``).

BLEU, chrF++ and TER go through sacrebleu's own implementation, seeded as its command line
seeds it (SACREBLEU_SEED, 12345), so the p-values equal ``sacrebleu REF -i BASE CURRENT
--paired-bs`` (or ``--paired-ar``) on the same files. Every other per-document metric (the
ROUGE family, reference coverage, the trust rates) is tested the same way on its
per-document values: the same resampling, the same seed, the same p-value, over the
statistic its corpus value is (a mean of documents, or a rate pooled over the claims or
sentences each document holds). The one departure from sacrebleu's p-values: a score that
did not change has p = 1.
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


@dataclass(frozen=True)
class PairedResult:
    metric: str
    baseline: float
    current: float
    p_value: float
    test: str  # bs or ar

    @property
    def change(self) -> float:
        return self.current - self.baseline

    def to_json(self) -> dict[str, Any]:
        return {"baseline": round(self.baseline, 4), "current": round(self.current, 4),
                "change": round(self.change, 4), "p_value": round(self.p_value, 4),
                "test": self.test}


def paired(baseline: Sequence[str], current: Sequence[str], refs: Sequence[Sequence[str]],
           *, test: str = "bs", n_samples: int = 0,
           metrics: Sequence[str] = PAIRED) -> list[PairedResult]:
    """``baseline`` and ``current``: the two systems' outputs for the same documents, in
    the same order; ``refs``: each document's references. ``n_samples`` 0: sacrebleu's
    default (1000 resamples for bs, 10000 shuffles for ar)."""
    from sacrebleu.significance import PairedTest

    scorers = {}
    for name in metrics:
        metric = METRICS[name]()
        assert isinstance(metric, _SacreBleu), name
        scorers[name] = metric._scorer()
    found = PairedTest([("baseline", list(baseline)), ("current", list(current))], scorers,
                       _streams(refs, len(current)), test_type=test, n_samples=n_samples)()
    _, scores = found
    out = []
    # sacrebleu names its columns itself (BLEU, chrF2++, TER), in the order it was given
    columns = [c for c in scores if c != "System"]
    for name, column in zip(metrics, columns, strict=True):
        base, cur = scores[column][0], scores[column][1]
        assert not isinstance(base, str) and not isinstance(cur, str)
        p = float(cur.p_value if cur.p_value is not None else 1.0)
        out.append(PairedResult(name, float(base.score), float(cur.score),
                                _unchanged(float(base.score), float(cur.score), p), test))
    return out


def _unchanged(base: float, cur: float, p: float) -> float:
    """A score that did not change is no evidence of a change: p = 1. (sacrebleu counts the
    samples strictly beyond the real difference, so to a zero difference it gives as little
    as 1 / (samples + 1), where every sample is zero too.)"""
    return 1.0 if abs(cur - base) <= 1e-9 * max(1.0, abs(base)) else p


def _p_value(stats: Any, real: float) -> float:
    """sacrebleu's (after multeval): the share of samples beyond the real difference, +1
    so that a test can never claim more than its samples show."""
    import numpy as np

    # (a shuffle that ties the real difference, up to float noise, is not beyond it)
    beyond = np.sum(stats > real + 1e-9 * max(1.0, abs(real)))
    return float((beyond + 1) / (len(stats) + 1))


def paired_values(metric: str, baseline: Sequence[float], current: Sequence[float],
                  weights: tuple[Sequence[float], Sequence[float]] | None = None, *,
                  test: str = "bs", n_samples: int = 0, seed: int = SEED) -> PairedResult:
    """The paired test on per-document values. The statistic is their mean or, with
    ``weights`` (the baseline's and this run's claims or sentences per document), the
    pooled rate sum(value * weight) / sum(weight): what the corpus value is. A document's
    weight travels with its value when a shuffle swaps the two systems' outputs."""
    import numpy as np

    if test not in TESTS:
        raise ValueError(f"unknown paired test {test!r}; known: {', '.join(TESTS)}")
    v = np.asarray([baseline, current], dtype=float)  # (system, document)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    n = v.shape[1]

    def pooled(values: Any, wts: Any, counts: Any) -> Any:
        """Per sample: counts (samples, documents) of each document's uses."""
        den = counts * wts
        num = (den * values).sum(axis=1)
        total = den.sum(axis=1)
        return np.divide(num, total, out=np.zeros_like(num), where=total > 0)

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
        p = _p_value(diffs - diffs.mean(), real)
    else:
        keep = rng.integers(2, size=(samples, n), dtype=bool)
        a = pooled(np.where(keep, v[0], v[1]), np.where(keep, w[0], w[1]), 1.0)
        b = pooled(np.where(keep, v[1], v[0]), np.where(keep, w[1], w[0]), 1.0)
        p = _p_value(np.abs(a - b), real)
    return PairedResult(metric, base_value, cur_value, _unchanged(base_value, cur_value, p),
                        test)


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
        if len(docs) < 2:
            continue
        results = paired([base["outputs"][d] for d in docs], [run["outputs"][d] for d in docs],
                         [list(references[d]) for d in docs], test=test, n_samples=n_samples)
        for name, (b, c, w) in _per_document(run, base, docs).items():
            results.append(paired_values(name, b, c, w, test=test, n_samples=n_samples))
        out[strategy] = {r.metric: {**r.to_json(), "documents": len(docs)} for r in results}
    return out
