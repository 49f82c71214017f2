"""The regression gate: compare a report with a saved baseline, like with like.

Two reports are compared only when they measured the same thing the same way: the eval
set, its limit and length, the scoring settings, and each metric's signature (library
version, tokenisation, stemming, references, resampling). Otherwise the gate refuses,
naming the difference, before any number is set beside another.

What counts as worse is each metric's own rule (:data:`RULES`): a count the product
promises to keep at its value (a change no warning names, a glossary miss, failed
articles) fails on any rise; a rate of unsupported claims or the attribution coverage
fails past half a point, noise or not; every other score fails on a drop larger than the
run's ``--tolerance`` that the paired test (eval.significance) finds significant at
``--level``, in its own direction. The summaries' length may change by a quarter at most,
and the share of summaries that loop or stop mid-sentence may not rise: a run of
first-sentence or repeated-text summaries fails even where BLEU ties.

Differences in what produced the summaries (models, decoding, prompts, library versions)
do not make two reports incomparable: :func:`differences` lists them for a notice, and
``--strict`` refuses them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from eval.report import SECTIONS
from eval.run import NOT_GATED


@dataclass(frozen=True)
class Rule:
    """How much worse a metric may get before the gate fails.

    ``minimum``: the smallest drop, in points, that counts (None: the run's --tolerance);
    ``tested``: a drop past the minimum fails only when the paired test also finds it
    significant at --level (where the test could run: both reports have the outputs);
    ``must_not_rise``: a count, any rise fails; ``relative``: a share of the baseline's
    value, either way."""

    minimum: float | None = None
    tested: bool = True
    must_not_rise: bool = False
    relative: float | None = None

    def describe(self, default: float, level: float, tested: bool = True) -> str:
        """``tested``: whether a paired test ran for this comparison (none runs for
        translations, a baseline without outputs, or too few articles in common)."""
        if self.must_not_rise:
            return "may not rise"
        if self.relative is not None:
            return f"may change by {self.relative:.0%}"
        allowed = self.minimum if self.minimum is not None else default
        if self.tested and tested:
            return f"worse by over {allowed:g} and significant at p < {level:g} fails"
        why = "not tested for significance" if self.tested else "untested by rule"
        return f"{why}: worse by over {allowed:g} fails"


# Each metric's rule, in one place (docs/evaluation.md lists them). Scores not named here
# (BLEU, chrF++, TER, the ROUGE family, reference coverage) take DEFAULT_RULE.
RULES: Mapping[str, Rule] = {
    "numbers_unflagged_changes": Rule(must_not_rise=True),
    "glossary_unflagged_misses": Rule(must_not_rise=True),
    # Trust is promised, not estimated: a drop past half a point fails, noise or not.
    "attribution_coverage": Rule(minimum=0.5, tested=False),
    "unsupported_numeric_pct": Rule(minimum=0.5, tested=False),
    "unsupported_entities": Rule(minimum=0.5, tested=False),
    # Summaries shrinking to a sentence, looping or cut off: BLEU against a brief reference
    # may not move, these do.
    "words": Rule(relative=0.25),
    "repetition_pct": Rule(must_not_rise=True),
    "truncated_pct": Rule(must_not_rise=True),
}
DEFAULT_RULE = Rule()
LEVEL = 0.05  # the significance level a tested drop must reach


@dataclass(frozen=True)
class Regression:
    section: str
    strategy: str
    metric: str
    baseline: float
    current: float
    rule: str = ""
    higher_is_better: bool = True
    baseline_ci: float | None = None
    current_ci: float | None = None
    p_value: float | None = None

    def __str__(self) -> str:
        change = self.current - self.baseline

        def value(v: float, ci: float | None) -> str:
            return f"{v:.2f}" + (f" ±{ci:.2f}" if ci is not None else "")

        direction = "higher is better" if self.higher_is_better else "lower is better"
        said = [f"{change:+.2f}", direction]
        if self.p_value is not None:
            said.append(f"p = {self.p_value:.4f}")
        if self.rule:
            said.append(self.rule)
        return (f"{self.section}/{self.strategy}/{self.metric}: "
                f"{value(self.baseline, self.baseline_ci)} -> "
                f"{value(self.current, self.current_ci)} ({'; '.join(said)})")


class IncomparableReports(ValueError):
    """The two reports did not measure the same thing, or not the same way."""


# What two reports must share to be compared at all: known before anything is scored.
_SAME = (("eval_set", "sha256"), ("eval_set", "limit"), ("length",), ("metrics",))
# A --hypotheses run has no length of its own (the file's summaries are as long as they
# are): it is compared with a baseline of any length.
_UNLESS_NONE = {("length",)}


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
        if path in _UNLESS_NONE and (cur is None or base is None):
            continue
        if isinstance(cur, Mapping) and isinstance(base, Mapping):  # name the one setting
            pairs = [((*path, k), cur.get(k), base.get(k)) for k in sorted({*cur, *base})]
        else:
            pairs = [(path, cur, base)]
        for where, mine, theirs in pairs:
            if mine != theirs:
                raise IncomparableReports(f"the baseline was measured with "
                                          f"{'.'.join(where)}={theirs!r}, this run with "
                                          f"{mine!r}: not comparable")


def _signed(report: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for section in SECTIONS:
        for strategy, run in report.get(section, {}).items():
            for metric, score in run.get("corpus", {}).items():
                yield f"{section}/{strategy}/{metric}", score.get("signature", "")


def check_signatures(expected: Mapping[str, Mapping[str, str]],
                     baseline: Mapping[str, Any]) -> None:
    """Before the run: each metric of the baseline against the signature this run will score
    it with (``expected``: section -> metric -> signature)."""
    for name, signature in _signed(baseline):
        section, metric = name.split("/", 1)[0], name.rsplit("/", 1)[1]
        mine = expected.get(section, {}).get(metric)
        if mine is not None and mine != signature:
            raise IncomparableReports(f"{name} was scored differently: the baseline with "
                                      f"{signature!r}, this run would score with "
                                      f"{mine!r}: not comparable")


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


def compare(current: Mapping[str, Any], baseline: Mapping[str, Any], tolerance: float,
            significance: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
            level: float = LEVEL) -> list[Regression]:
    """What got worse than its rule allows (direction-aware). ``significance``: per summary
    strategy, each metric's paired test against the baseline (eval.significance); a tested
    metric without one is judged on its minimum alone. A strategy or metric of the baseline
    that this run lacks, or articles that failed, count too: a run that produced nothing
    must not pass the gate."""
    found = []
    nan = float("nan")
    tests = significance or {}
    for section in SECTIONS:
        for strategy, base_run in baseline.get(section, {}).items():
            cur_run = current.get(section, {}).get(strategy)
            if cur_run is None:
                found.append(Regression(section, strategy, "(missing)", nan, nan))
                continue
            if len(cur_run.get("errors", {})) > len(base_run.get("errors", {})):
                found.append(Regression(section, strategy, "errors", len(base_run.get(
                    "errors", {})), len(cur_run["errors"]), "may not rise", False))
            paired = tests.get(strategy, {}) if section == "summaries" else {}
            for metric, base in (base_run.get("corpus") or {}).items():
                if metric in NOT_GATED:
                    continue
                cur = cur_run["corpus"].get(metric)
                if cur is None:
                    found.append(Regression(section, strategy, metric, base["value"], nan))
                    continue
                rule = RULES.get(metric, DEFAULT_RULE)
                weighed = rule.tested and not rule.must_not_rise and rule.relative is None
                p = paired.get(metric, {}).get("p_value") if weighed else None
                if _worse(base, cur, rule, tolerance) and (p is None or p < level):
                    found.append(Regression(
                        section, strategy, metric, base["value"], cur["value"],
                        rule.describe(tolerance, level, p is not None),
                        base.get("higher_is_better", True),
                        base.get("ci95"), cur.get("ci95"), p))
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
    allowed = rule.minimum if rule.minimum is not None else tolerance
    return change < -allowed


# What may differ between two comparable reports, shown as a notice (refused with
# --strict): what produced the summaries, not how they were scored.
_MODEL_FIELDS = ("id", "revision", "commit", "backend", "compute_type", "converted_from")


def differences(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[str]:
    """The model, decoding, prompt, system and version differences between two reports."""
    said = []
    if current.get("system") != baseline.get("system"):
        said.append(f"system: {baseline.get('system')!r} -> {current.get('system')!r}")
    cur_v = (current.get("provenance") or {}).get("versions") or {}
    base_v = (baseline.get("provenance") or {}).get("versions") or {}
    for name in sorted(set(cur_v) | set(base_v)):
        if cur_v.get(name) != base_v.get(name):
            said.append(f"version of {name}: {base_v.get(name)} -> {cur_v.get(name)}")
    for section in SECTIONS:
        for strategy, base_run in baseline.get(section, {}).items():
            cur_run = current.get(section, {}).get(strategy) or {}
            base_models = {m.get("role"): m for m in base_run.get("models") or []}
            cur_models = {m.get("role"): m for m in cur_run.get("models") or []}
            for role in sorted(set(base_models) | set(cur_models), key=str):
                if role not in cur_models or role not in base_models:
                    gone = role not in cur_models
                    model = (base_models if gone else cur_models)[role]
                    if cur_run:  # (a strategy this run lacks fails the gate itself)
                        said.append(f"{section}/{strategy}: {role} model "
                                    f"{'removed' if gone else 'added'}: {model.get('id')}")
                    continue
                b, c = base_models[role], cur_models[role]
                for key in _MODEL_FIELDS:
                    if b.get(key) != c.get(key):
                        said.append(f"{section}/{strategy}: {role} model {key} "
                                    f"{b.get(key)} -> {c.get(key)}")
                if b.get("decoding") != c.get("decoding"):
                    said.append(f"{section}/{strategy}: {role} decoding "
                                f"{b.get('decoding')} -> {c.get('decoding')}")
            if (base_run.get("prompt") or {}) != (cur_run.get("prompt") or {}) and cur_run:
                said.append(f"{section}/{strategy}: prompt {base_run.get('prompt')} -> "
                            f"{cur_run.get('prompt')}")
    return said
