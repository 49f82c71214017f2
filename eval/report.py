"""The report: JSON (everything), a Markdown table and a PNG chart comparing strategies."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.run import StrategyRun

TABLE_METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf", "ter")
# What the n-gram scores do not see: how long, how complete, how repetitive, how true.
SHAPE_METRICS = ("words", "sentences", "compression", "reference_length_ratio",
                 "reference_coverage", "novel_bigrams_pct", "repetition_pct",
                 "truncated_pct", "attribution_coverage", "unsupported_numeric_pct",
                 "unsupported_entities")
CHART_METRICS = ("rouge1", "rouge2", "rougeLsum", "bleu", "chrf")
# The trust panel: percentages, one higher and one lower is better.
TRUST_METRICS = ("attribution_coverage", "unsupported_numeric_pct")
TRANSLATION_TABLE = ("bleu", "chrf", "ter", "numbers_preserved", "numbers_unflagged_changes",
                     "glossary_term_accuracy", "glossary_term_accuracy_without",
                     "glossary_unflagged_misses")
# The report's sections of runs, each {name: {"corpus": {metric: score}, "errors": ...}}.
SECTIONS = ("summaries", "translation", "segmentation", "fidelity")
# Percentages of the translation runs: values kept, glossary terms as the glossary says.
TRANSLATION_CHART = ("numbers_preserved", "glossary_term_accuracy",
                     "glossary_term_accuracy_without")


# Display names of the measures, for report.md and the chart; report.json, documents.csv
# and the gate's messages keep the keys. A measure missing here is shown by its key.
METRIC_NAMES: dict[str, str] = {
    "rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum",
    "bleu": "BLEU",
    "chrf": "chrF++",  # word_order=2 (eval/metrics.py): chrF++, not chrF
    "ter": "TER",
}


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric)


def build(summaries: Mapping[str, StrategyRun], translation: Mapping[str, StrategyRun],
          meta: Mapping[str, Any],
          segmentation: Mapping[str, Mapping[str, Any]] | None = None,
          fidelity: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    from service import __version__

    return {
        "ringkas_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "summaries": {name: run.to_json() for name, run in summaries.items()},
        "translation": {name: run.to_json() for name, run in translation.items()},
        "segmentation": dict(segmentation or {}),
        "fidelity": dict(fidelity or {}),
    }


RANDOM_NOTE = "RANDOM-WEIGHT MODELS: these scores are noise, for plumbing checks only"


def random_weight_roles(report: Mapping[str, Any]) -> list[str]:
    """The roles whose models had random weights (stand-ins) in any run of the report."""
    return sorted({m["role"] for section in SECTIONS for run in report.get(section, {}).values()
                   for m in run.get("models", ()) if m.get("random_weights")})


def _cell(run: Mapping[str, Any], metric: str) -> str:
    score = run["corpus"].get(metric)
    if score is None:
        return "–"
    ci = f" ±{score['ci95']:.1f}" if "ci95" in score else ""
    return f"{score['value']:.2f}{ci}"


def _metric_table(label: str, runs: Mapping[str, Any], metrics: Sequence[str]) -> list[str]:
    """A markdown table of ``metrics`` (columns) for each of ``runs`` (rows)."""
    return ["| " + label + " | " + " | ".join(map(metric_name, metrics)) + " |",
            "|---" * (len(metrics) + 1) + "|",
            *(f"| {name} | " + " | ".join(_cell(run, m) for m in metrics) + " |"
              for name, run in runs.items())]


def markdown(report: Mapping[str, Any]) -> str:
    lines = [f"# ringkas evaluation ({report['created']})", "",
             f"eval set sha256 `{report['eval_set']['sha256'][:16]}`, "
             f"{report['eval_set']['summary_documents']} articles, system "
             f"`{report['system']}`, length `{report['length'] or 'as given'}`", ""]
    noise = random_weight_roles(report)
    if noise:
        lines += [f"> **{RANDOM_NOTE}** (random weights: {', '.join(noise)}).", ""]
    if report["summaries"]:
        lines += ["## Summaries (English, against reference digests)", "",
                  "| strategy | " + " | ".join(map(metric_name, TABLE_METRICS)) + " | errors |",
                  "|---" * (len(TABLE_METRICS) + 2) + "|"]
        for name, run in report["summaries"].items():
            cells = [_cell(run, m) for m in TABLE_METRICS]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {len(run['errors'])} |")
        lines += ["", "Higher is better except TER. ± is the 95% bootstrap half-width.", "",
                  *_metric_table("strategy", report["summaries"], SHAPE_METRICS)]
        lines += ["", "words and sentences per summary; compression: summary words / article "
                  "words; reference_length_ratio: summary words / the references' mean; "
                  "reference_coverage: % of a reference's content words the summary has "
                  "(best reference); novel_bigrams_pct: % of the summary's bigrams not in "
                  "the article's English original (where the set has one); repetition_pct "
                  "and truncated_pct: % of summaries that loop (3-grams repeat 30% or more) "
                  "or stop mid-sentence. attribution_coverage is the % of summary sentences "
                  "the article supports; the unsupported_* columns (lower is better) count "
                  "numeric claims their supporting sentences do not support and names the "
                  "article does not have.", ""]
        for name, run in report["summaries"].items():
            models = ", ".join(f"{m['role']}={m['id']}@{m['revision']}"
                               + (" (random weights)" if m.get("random_weights") else "")
                               for m in run["models"])
            prompt = run["prompt"]
            lines.append(f"- **{name}**: {models or 'n/a'}"
                         + (f"; prompt {prompt['name']} v{prompt['version']}" if prompt else ""))
        lines.append("")
    if report["translation"]:
        lines += ["## Translation id→en", "",
                  *_metric_table("test set", report["translation"], TRANSLATION_TABLE)]
        lines += ["", "numbers_preserved: % of the source lines' amounts, counts, percentages "
                  "and years that the translation keeps (after any restoring); "
                  "glossary_term_accuracy: % of names of the eval set's glossary rendered as "
                  "it says, with it given (_without: the plain run); the *_unflagged_* "
                  "columns count changes no warning names (0 is the promise).", ""]
    if report.get("segmentation"):
        lines += ["## Sentence segmentation (NTREX-128 line boundaries)", "",
                  "| text | boundary_precision | boundary_recall | boundaries found / "
                  "reference |", "|---|---|---|---|"]
        for name, run in report["segmentation"].items():
            counts = run["counts"]
            lines.append(f"| {name} | {_cell(run, 'boundary_precision')} | "
                         f"{_cell(run, 'boundary_recall')} | {counts['found']} / "
                         f"{counts['reference']} |")
        lines += ["", "Each document's lines joined by spaces and split again; the line "
                  "ends that punctuation marks are the reference (see docs/evaluation.md).",
                  ""]
    if report.get("fidelity"):
        lines += _fidelity_section(report["fidelity"])
    lines += _significance_section(report)
    if report.get("review"):
        lines += review_section(report["review"])
    lines += _documents_section(report)
    prov = report.get("provenance")
    if prov:
        libs = ", ".join(f"{k} {v}" for k, v in prov["versions"].items() if v)
        lines += ["## Provenance", "", f"- ringkas commit `{prov['commit'] or 'unknown'}`",
                  f"- {libs}",
                  "- settings: " + ", ".join(f"{k}={v}" for k, v in prov["settings"].items()),
                  ""]
    lines += ["## Signatures", ""]
    # Each distinct signature once, with the measures it signs.
    signed: dict[str, set[str]] = {}
    for section in SECTIONS:
        for run in report.get(section, {}).values():
            for m, s in run["corpus"].items():
                signed.setdefault(s["signature"], set()).add(f"{section}/{m}")
    lines += [f"- `{sig}`: " + ", ".join(sorted(ms)) for sig, ms in sorted(signed.items())]
    return "\n".join(lines) + "\n"


def _significance_section(report: Mapping[str, Any]) -> list[str]:
    found = report.get("significance")
    if not found or not found.get("summaries"):
        return []
    level = found.get("level", 0.05)
    lines = [f"## Against the baseline ({found['test']})", "",
             f"Baseline: `{found['against']}`. p is the chance of a change at least this "
             f"large between two runs of the same system; * marks p < {level:g}, the level "
             "a score's drop must reach to fail the gate.", "",
             "| strategy | metric | baseline | this run | change | p | documents |",
             "|---" * 7 + "|"]
    for strategy, metrics in found["summaries"].items():
        for metric, r in metrics.items():
            star = "*" if r["p_value"] < level else ""
            lines.append(f"| {strategy} | {metric_name(metric)} | {r['baseline']:.2f} "
                         f"| {r['current']:.2f} | {r['change']:+.2f} | {r['p_value']:.4f}{star} | "
                         f"{r.get('documents', '')} |")
    return [*lines, ""]


def _interval(found: Mapping[str, Any]) -> str:
    if found.get("tau") is None:
        return "–"
    low, high = found.get("ci95") or (None, None)
    ci = f" [{low:+.2f}, {high:+.2f}]" if low is not None and high is not None else ""
    return f"{found['tau']:+.2f}{ci}"


def review_section(review: Mapping[str, Any]) -> list[str]:
    """Editors' ratings (``ringkas eval import-review``): the mean rating of each strategy
    and, per automatic metric, its agreement with the editors (Kendall's tau-b)."""
    dims = list(review["dimensions"])
    boot = review["bootstrap"]
    lower = set(review.get("lower_is_better", ()))
    lines = ["## Editors' ratings", "",
             f"Sheet `{review['sheet']}`: {review['rated']} of {review['items']} summaries "
             f"rated ({review['blank']} returned blank), blind (the editors were not told "
             f"which strategy wrote which), {review['scale'][0]} (worst) to "
             f"{review['scale'][1]} (best).", "",
             "| strategy | " + " | ".join(dims) + " |", "|---" * (len(dims) + 1) + "|"]
    for strategy, means in review["means"].items():
        cells = [f"{means[d]['mean']:.2f} (n {means[d]['n']})" if d in means else "–"
                 for d in dims]
        lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    lines += ["", "Agreement of each per-article metric with the editors: Kendall's tau-b "
              "over the rated summaries of every strategy, with its 95% bootstrap interval "
              f"({boot['resamples']} resamples of the items, seed {boot['seed']}). ↓ marks a "
              "metric where lower is better, not flipped: there agreement is a negative "
              "tau. An interval that spans 0 is no evidence either way; – is no tau (the "
              "metric, or the rating, is the same throughout).", "",
              "| metric | " + " | ".join(dims) + " | n |", "|---" * (len(dims) + 2) + "|"]
    for metric, per_dim in review["agreement"].items():
        # One n where every dimension had as many items, else each dimension's in order.
        ns = [per_dim[d]["n"] if d in per_dim else 0 for d in dims]
        n = str(ns[0]) if len(set(ns)) == 1 else "/".join(str(k) for k in ns)
        name = f"{metric} ↓" if metric in lower else metric
        lines.append(f"| {name} | " + " | ".join(_interval(per_dim.get(d, {})) for d in dims)
                     + f" | {n} |")
    return [*lines, ""]


# The per-document table's columns, and how many of the worst documents are listed.
DOCUMENT_METRICS = ("rouge2", "rougeLsum", "chrf", "bleu", "reference_coverage", "words")
WORST = 3


def _documents_section(report: Mapping[str, Any]) -> list[str]:
    """Per strategy: each article's scores, and the worst ones per metric, each beside its
    output, so a decision can read what the numbers stand for."""
    lines: list[str] = []
    for name, run in report.get("summaries", {}).items():
        docs = run.get("documents", {})
        if not docs:
            continue
        cols = [m for m in DOCUMENT_METRICS if any(m in d for d in docs.values())]
        lines += [f"## Per article: {name}", "",
                  "| article | " + " | ".join(map(metric_name, cols)) + " |",
                  "|---" * (len(cols) + 1) + "|"]
        for doc_id, scores in sorted(docs.items()):
            cells = [f"{scores[m]:.2f}" if m in scores else "–" for m in cols]
            lines.append(f"| {doc_id} | " + " | ".join(cells) + " |")
        lines.append("")
        for metric in cols[:2]:
            ranked = sorted((d for d in docs if metric in docs[d]),
                            key=lambda d: docs[d][metric])[:WORST]
            lines += [f"Worst by {metric_name(metric)}:", ""]
            for doc_id in ranked:
                output = " ".join(run.get("outputs", {}).get(doc_id, "").split())
                lines.append(f"- {doc_id} ({docs[doc_id][metric]:.2f}): {output[:300]}")
                for i, ref in enumerate(report.get("references", {}).get(doc_id, []), 1):
                    lines.append(f"  - reference {i}: {' '.join(ref.split())[:300]}")
            lines.append("")
    return lines


def documents_csv(report: Mapping[str, Any]) -> str:
    """Every article's score of every metric, one row per strategy and article."""
    import csv
    import io

    out = io.StringIO()
    metrics = sorted({m for section in ("summaries", "translation")
                      for run in report.get(section, {}).values()
                      for scores in run.get("documents", {}).values() for m in scores})
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "strategy", "document", *metrics])
    for section in ("summaries", "translation"):
        for name, run in report.get(section, {}).items():
            for doc_id, scores in sorted(run.get("documents", {}).items()):
                writer.writerow([section, name, doc_id,
                                 *(scores.get(m, "") for m in metrics)])
    return out.getvalue()


def _fidelity_section(runs: Mapping[str, Any]) -> list[str]:
    kinds = sorted({m[len("recall_"):] for run in runs.values() for m in run["corpus"]
                    if m.startswith("recall_") and m != "recall_all"})
    lines = ["## Fidelity check (planted errors in NTREX-128 digests)", "",
             "| run | caught / planted | recall_all | false_alarms_per_digest | "
             "ms per check | " + " | ".join(kinds) + " |",
             "|---" * (5 + len(kinds)) + "|"]
    for name, run in runs.items():
        counts = run["counts"]
        lines.append(f"| {name} | {counts['caught']} / {counts['planted']} | "
                     f"{_cell(run, 'recall_all')} | {_cell(run, 'false_alarms_per_digest')} | "
                     f"{run['cost_ms_per_check']:.1f} | "
                     + " | ".join(_cell(run, f"recall_{k}") for k in kinds) + " |")
    lines += ["", "Each planted variant is its digest with one error of the column's kind; "
              "it is caught when its check has a finding the correct digest's lacks. A false "
              "alarm is a finding on a correct digest (see docs/evaluation.md).", ""]
    for name, run in runs.items():
        if run.get("missed"):
            lines.append(f"- missed ({name}): " + ", ".join(run["missed"]))
    return [*lines, ""] if any(run.get("missed") for run in runs.values()) else lines


@dataclass(frozen=True)
class Series:
    """One run's bars in a panel: ``values[i]`` is None where the run was not scored on
    ``ticks[i]`` (no bar, labelled n/a), so a missing measure never reads as a 0 result."""

    label: str  # its legend entry
    values: tuple[float | None, ...]
    errors: tuple[float, ...] = ()  # 95% half-widths, 0 where none

    @property
    def value_labels(self) -> tuple[str, ...]:
        return tuple("n/a" if v is None else f"{v:.1f}" for v in self.values)


@dataclass(frozen=True)
class Panel:
    title: str
    ylabel: str
    ticks: tuple[str, ...]
    series: tuple[Series, ...]
    width: int  # relative to the other panels
    ylim: tuple[float, float] | None = None  # None: from the values
    tick_size: str = "medium"
    legend_size: str = "small"


@dataclass(frozen=True)
class ChartSpec:
    panels: tuple[Panel, ...]
    suptitle: str | None = None  # the random-weights warning


TRUST_TICKS = ("supported\nsentences % ↑", "unsupported\nnumbers % ↓")
TRANSLATION_TICKS = ("numbers kept", "terms (glossary)", "terms (none)")


def bar_values(run: Mapping[str, Any], metrics: tuple[str, ...]) -> tuple[float | None, ...]:
    """A run's value of each measure; None for one it was not scored on: a 0 bar would
    read as a result (0% terms kept, or no unsupported numbers at all)."""
    return tuple(run["corpus"][m]["value"] if m in run["corpus"] else None for m in metrics)


def failed_label(name: str, run: Mapping[str, Any]) -> str:
    """``name`` with how many of its documents failed, if any: its scores are over the
    others only, which the bars alone cannot say."""
    failed = len(run.get("errors") or {})
    if not failed:
        return name
    if "outputs" in run:  # a summary run: every article has an output or an error
        return f"{name} ({failed} of {len(run['outputs']) + failed} failed)"
    return f"{name} ({failed} failed)"


def summaries_title(system: str | None) -> str:
    """What the summaries panel compares: ringkas's strategies only when ringkas wrote
    them (in-process or over HTTP), not a hypotheses file of any system's outputs."""
    if system == "in-process":
        who = "ringkas summary strategies"
    elif system and system.startswith("http "):
        who = f"ringkas at {system.removeprefix('http ')}: summary strategies"
    elif system == "hypotheses":
        who = "summary systems (hypotheses file)"
    elif system:
        who = f"summaries: {system}"
    else:
        who = "summary systems"
    return f"{who}\nagainst reference digests"


def chart_spec(report: Mapping[str, Any]) -> ChartSpec:
    """The chart as data: its panels left to right, what each bar and label says."""
    panels: list[Panel] = []
    runs = report["summaries"]
    if runs:
        labels = [failed_label(name, run) for name, run in runs.items()]
        panels.append(Panel(
            summaries_title(report.get("system")), "score (higher is better)",
            tuple(metric_name(m) for m in CHART_METRICS),
            tuple(Series(label, bar_values(run, CHART_METRICS),
                         tuple(run["corpus"].get(m, {}).get("ci95", 0.0)
                               for m in CHART_METRICS))
                  for label, run in zip(labels, runs.values(), strict=True)),
            width=5))
        panels.append(Panel(
            "trust (against the article)", "%", TRUST_TICKS,
            tuple(Series(label, bar_values(run, TRUST_METRICS))
                  for label, run in zip(labels, runs.values(), strict=True)),
            width=2, ylim=(0, 100), legend_size="x-small"))
    translation = {name: run for name, run in report["translation"].items()
                   if any(m in run["corpus"] for m in TRANSLATION_CHART)}
    if translation:
        panels.append(Panel(
            "translation id→en: values and glossary names", "% (higher is better)",
            TRANSLATION_TICKS,
            tuple(Series(failed_label(name, run), bar_values(run, TRANSLATION_CHART))
                  for name, run in translation.items()),
            width=3, ylim=(0, 100)))
    planted = report.get("fidelity") or {}
    if planted:
        kinds = sorted({m[len("recall_"):] for run in planted.values() for m in run["corpus"]
                        if m.startswith("recall_") and m != "recall_all"})
        series = []
        for name, run in planted.items():
            alarms = run["corpus"].get("false_alarms_per_digest", {}).get("value")
            said = "n/a" if alarms is None else f"{alarms:g}"
            series.append(Series(f"{name}: {said} false alarms per digest",
                                 bar_values(run, tuple(f"recall_{k}" for k in kinds))))
        panels.append(Panel(
            "fidelity check: planted errors by kind", "% of planted errors caught",
            tuple(k.replace("_", "\n") for k in kinds), tuple(series), width=5,
            ylim=(0, 100), tick_size="x-small", legend_size="x-small"))
    noise = bool(random_weight_roles(report))
    return ChartSpec(tuple(panels), RANDOM_NOTE if noise else None)


def figure(report: Mapping[str, Any]) -> Any:
    """The chart as a matplotlib Figure (Agg: files only, no display); the caller closes
    it (``plt.close``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = chart_spec(report)
    ratios = [p.width for p in spec.panels] or [1]
    rows = max((len(p.series) for p in spec.panels), default=0)  # legend rows, below
    fig, axes = plt.subplots(1, len(ratios), figsize=(4 + sum(ratios), 5 + 0.18 * rows),
                             dpi=100, squeeze=False, gridspec_kw={"width_ratios": ratios})
    if spec.suptitle:
        fig.suptitle(spec.suptitle, color="#b00020", fontweight="bold")
    for ax, panel in zip(axes[0], spec.panels, strict=False):
        _draw(ax, panel)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 0.95 if spec.suptitle else 1.0))
    return fig


def chart(report: Mapping[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = figure(report)
    fig.savefig(path)
    plt.close(fig)


def _errors(series: Series) -> tuple[float, ...]:
    return series.errors or (0.0,) * len(series.values)


def _draw(ax: Any, panel: Panel) -> None:
    """Grouped bars, one group per tick, each labelled with its value. A 0 bar has no
    height, so it gets a marker on the axis; a missing value gets no bar and "n/a"."""
    import numpy as np

    x = np.arange(len(panel.ticks))
    width = 0.8 / max(1, len(panel.series))
    tops = [v + e for s in panel.series for v, e in zip(s.values, _errors(s), strict=True)
            if v is not None]
    low, high = panel.ylim or (0.0, max([*tops, 1.0]))
    pad = (high - low) * 0.02
    crowded = len(panel.series) > 2  # side by side, the labels would run together
    for i, series in enumerate(panel.series):
        at = x + i * width
        heights = [math.nan if v is None else v for v in series.values]
        errors = _errors(series)
        bars = ax.bar(at, heights, width, yerr=errors if series.errors else None,
                      capsize=2, label=series.label)
        color = bars.patches[0].get_facecolor() if bars.patches else None
        for j, (value, text) in enumerate(zip(series.values, series.value_labels,
                                              strict=True)):
            if value == 0:
                ax.plot([at[j]], [0], marker="^", color=color, markeredgecolor="black",
                        markersize=6, clip_on=False, zorder=3)
            top = 0.0 if value is None else value + errors[j]
            ax.text(at[j], top + pad, text, ha="center", va="bottom",
                    fontsize="xx-small", rotation=90 if crowded else 0,
                    color="gray" if value is None else "black")
    ax.set_xticks(x + width * (len(panel.series) - 1) / 2, panel.ticks,
                  fontsize=panel.tick_size)
    # Every group's full width, as missing (NaN) bars at either end do not widen the axis.
    ax.set_xlim(-width / 2 - 0.1, len(panel.ticks) - 1 + 0.8 - width / 2 + 0.1)
    ax.set_ylim(low, high * 1.12)  # room for the labels of the highest bars
    if panel.ylim is not None:  # a percentage: no tick above 100
        ax.set_yticks(np.linspace(low, high, 6))
    ax.set_ylabel(panel.ylabel)
    ax.set_title(panel.title, fontsize="medium")
    # Below the ticks: inside, it would cover the bars of a full panel.
    ax.legend(fontsize=panel.legend_size, loc="upper center",
              bbox_to_anchor=(0.5, -0.22 if "\n" in "".join(panel.ticks) else -0.12))


def write(report: Mapping[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "markdown": out / "report.md",
             "csv": out / "documents.csv", "chart": out / "report.png"}
    paths["csv"].write_text(documents_csv(report), encoding="utf-8")
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    paths["markdown"].write_text(markdown(report), encoding="utf-8")
    if report["summaries"] or report["translation"] or report.get("fidelity"):
        chart(report, paths["chart"])
    else:
        del paths["chart"]
    return paths
