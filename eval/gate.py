"""The regression gate: compare a report with a saved baseline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eval.report import SECTIONS
from eval.run import NOT_GATED


@dataclass(frozen=True)
class Regression:
    section: str
    strategy: str
    metric: str
    baseline: float
    current: float

    def __str__(self) -> str:
        return (f"{self.section}/{self.strategy}/{self.metric}: {self.baseline:.2f} -> "
                f"{self.current:.2f}")


class IncomparableReports(ValueError):
    """The two reports did not measure the same thing (eval set, length, limit)."""


_SAME = (("eval_set", "sha256"), ("eval_set", "limit"), ("length",))


def check_comparable(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> None:
    for path in _SAME:
        cur: Any = current
        base: Any = baseline
        for key in path:
            cur, base = (cur or {}).get(key), (base or {}).get(key)
        if cur != base:
            raise IncomparableReports(f"the baseline was measured with {'.'.join(path)}="
                                      f"{base!r}, this run with {cur!r}: not comparable")


def compare(current: Mapping[str, Any], baseline: Mapping[str, Any],
            tolerance: float) -> list[Regression]:
    """What got worse by more than ``tolerance`` points (direction-aware). A strategy or
    metric of the baseline that this run lacks, or articles that failed, count too: a run
    that produced nothing must not pass the gate."""
    found = []
    nan = float("nan")
    for section in SECTIONS:
        for strategy, base_run in baseline.get(section, {}).items():
            cur_run = current.get(section, {}).get(strategy)
            if cur_run is None:
                found.append(Regression(section, strategy, "(missing)", nan, nan))
                continue
            if cur_run.get("errors"):
                found.append(Regression(section, strategy, "errors", len(base_run.get(
                    "errors", {})), len(cur_run["errors"])))
            for metric, base in base_run["corpus"].items():
                if metric in NOT_GATED:
                    continue
                cur = cur_run["corpus"].get(metric)
                if cur is None:
                    found.append(Regression(section, strategy, metric, base["value"], nan))
                    continue
                change = cur["value"] - base["value"]
                if not base.get("higher_is_better", True):
                    change = -change
                if change < -tolerance:
                    found.append(Regression(section, strategy, metric, base["value"],
                                            cur["value"]))
    return found
