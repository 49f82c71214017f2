"""Is a change real? Paired tests between a baseline's summaries and this run's, on the same
articles and references: sacrebleu's paired bootstrap resampling (``bs``) and approximate
randomisation (``ar``), seeded as its command line seeds them (SACREBLEU_SEED, 12345), so
the p-values equal ``sacrebleu REF -i BASE CURRENT --paired-bs`` on the same files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.metrics import METRICS, _SacreBleu, _streams

# The metrics a paired test is run for: sacrebleu's, as ringkas scores them.
PAIRED = ("bleu", "chrf", "ter")


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
        out.append(PairedResult(name, float(base.score), float(cur.score),
                                float(cur.p_value if cur.p_value is not None else 1.0), test))
    return out


def compare_runs(current: Mapping[str, Any], baseline: Mapping[str, Any],
                 references: Mapping[str, Sequence[str]], *, test: str = "bs",
                 n_samples: int = 0) -> dict[str, dict[str, dict[str, Any]]]:
    """Per summary strategy both reports ran: each paired metric's scores on the articles
    both have outputs for, the change, and its p-value."""
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
        out[strategy] = {r.metric: {**r.to_json(), "documents": len(docs)} for r in results}
    return out
