"""The regression gate: compare a report with a saved baseline, like with like.

Two reports are compared only when they measured the same thing the same way: the eval
set, its limit and length, the scoring settings, and each metric's signature (library
version, tokenisation, stemming, references, resampling). Otherwise the gate refuses,
naming the difference, before any number is set beside another.

What counts as worse is each metric's own rule (:data:`RULES`): a count the product
promises to keep at its value (a change no warning names, a glossary miss) fails on any
rise; a rate of unsupported claims or a coverage fails past half a point; every other
score past the run's ``--tolerance``, in its own direction. The summaries' length may change
by a quarter at most, and the share of summaries that loop may not rise: a run of
first-sentence or repeated-text summaries fails even where BLEU ties.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from eval.report import SECTIONS
from eval.run import NOT_GATED


@dataclass(frozen=True)
class Rule:
    """How much worse a metric may get: ``tolerance`` points in its bad direction (None:
    the run's --tolerance); ``must_not_rise``: a count, any rise fails."""

    tolerance: float | None = None
    must_not_rise: bool = False
    relative: float | None = None  # a share of the baseline's value instead of points

    def describe(self, default: float) -> str:
        if self.must_not_rise:
            return "may not rise"
        if self.relative is not None:
            return f"may change by {self.relative:.0%}"
        allowed = self.tolerance if self.tolerance is not None else default
        return f"may worsen by {allowed:g}"


# Each metric's rule, in one place (docs/evaluation.md lists them).
RULES: Mapping[str, Rule] = {
    "numbers_unflagged_changes": Rule(must_not_rise=True),
    "glossary_unflagged_misses": Rule(must_not_rise=True),
    "attribution_coverage": Rule(tolerance=0.5),
    "unsupported_numeric_pct": Rule(tolerance=0.5),
    "unsupported_entities": Rule(tolerance=0.5),
    # Summaries shrinking to a sentence, or looping: BLEU against a brief reference may
    # not move, these do.
    "words": Rule(relative=0.25),
    "repetition_pct": Rule(must_not_rise=True),
}
DEFAULT_RULE = Rule()


@dataclass(frozen=True)
class Regression:
    section: str
    strategy: str
    metric: str
    baseline: float
    current: float
    rule: str = ""

    def __str__(self) -> str:
        change = self.current - self.baseline
        why = f" ({self.rule})" if self.rule else ""
        return (f"{self.section}/{self.strategy}/{self.metric}: {self.baseline:.2f} -> "
                f"{self.current:.2f} ({change:+.2f}){why}")


class IncomparableReports(ValueError):
    """The two reports did not measure the same thing, or not the same way."""


# What two reports must share to be compared at all: known before anything is scored.
_SAME = (("eval_set", "sha256"), ("eval_set", "limit"), ("length",),
         ("metrics", "bootstrap"))


def _at(report: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = report
    for key in path:
        value = (value or {}).get(key)
    return value


def check_settings(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> None:
    """The eval set, its limit and length and the scoring settings (``current`` holds the
    run's, before it has scores)."""
    for path in _SAME:
        cur, base = _at(current, path), _at(baseline, path)
        if cur != base:
            raise IncomparableReports(f"the baseline was measured with {'.'.join(path)}="
                                      f"{base!r}, this run with {cur!r}: not comparable")


def _signed(report: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for section in SECTIONS:
        for strategy, run in report.get(section, {}).items():
            for metric, score in run.get("corpus", {}).items():
                yield f"{section}/{strategy}/{metric}", score.get("signature", "")


def check_comparable(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> None:
    """The settings, and each metric both reports scored: scored the same way (its
    signature: library version, tokenisation, stemming, references, resampling)."""
    check_settings(current, baseline)
    mine = dict(_signed(current))
    for name, signature in _signed(baseline):
        if name in mine and mine[name] != signature:
            raise IncomparableReports(f"{name} was scored differently: the baseline with "
                                      f"{signature!r}, this run with {mine[name]!r}: "
                                      "not comparable")


def compare(current: Mapping[str, Any], baseline: Mapping[str, Any],
            tolerance: float) -> list[Regression]:
    """What got worse than its rule allows (direction-aware). A strategy or metric of the
    baseline that this run lacks, or articles that failed, count too: a run that produced
    nothing must not pass the gate."""
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
                    "errors", {})), len(cur_run["errors"]), "may not rise"))
            for metric, base in base_run["corpus"].items():
                if metric in NOT_GATED:
                    continue
                cur = cur_run["corpus"].get(metric)
                if cur is None:
                    found.append(Regression(section, strategy, metric, base["value"], nan))
                    continue
                rule = RULES.get(metric, DEFAULT_RULE)
                if _worse(base, cur, rule, tolerance):
                    found.append(Regression(section, strategy, metric, base["value"],
                                            cur["value"], rule.describe(tolerance)))
    return found


def _worse(base: Mapping[str, Any], cur: Mapping[str, Any], rule: Rule,
           tolerance: float) -> bool:
    change = cur["value"] - base["value"]
    if rule.must_not_rise:
        return change > 0
    if rule.relative is not None:  # either way: a length is right, not better, when kept
        return abs(change) > rule.relative * abs(base["value"])
    if not base.get("higher_is_better", True):
        change = -change
    allowed = rule.tolerance if rule.tolerance is not None else tolerance
    return change < -allowed
