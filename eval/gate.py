"""The regression gate: compare a report with a saved baseline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


def compare(current: Mapping[str, Any], baseline: Mapping[str, Any],
            tolerance: float) -> list[Regression]:
    """Metrics that got worse by more than ``tolerance`` points (direction-aware). Only
    strategies and metrics present in both reports are compared."""
    found = []
    for section in ("summaries", "translation"):
        for strategy, base_run in baseline.get(section, {}).items():
            cur_run = current.get(section, {}).get(strategy)
            if cur_run is None:
                continue
            for metric, base in base_run["corpus"].items():
                cur = cur_run["corpus"].get(metric)
                if cur is None or metric in NOT_GATED:
                    continue
                change = cur["value"] - base["value"]
                if not base.get("higher_is_better", True):
                    change = -change
                if change < -tolerance:
                    found.append(Regression(section, strategy, metric, base["value"],
                                            cur["value"]))
    return found
