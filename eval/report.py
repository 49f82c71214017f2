"""The report: JSON (everything), a Markdown table and a PNG chart comparing strategies."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
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
                  "| strategy | " + " | ".join(TABLE_METRICS) + " | errors |",
                  "|---" * (len(TABLE_METRICS) + 2) + "|"]
        for name, run in report["summaries"].items():
            cells = [_cell(run, m) for m in TABLE_METRICS]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {len(run['errors'])} |")
        lines += ["", "Higher is better except ter. ± is the 95% bootstrap half-width.", "",
                  "| strategy | " + " | ".join(SHAPE_METRICS) + " |",
                  "|---" * (len(SHAPE_METRICS) + 1) + "|"]
        for name, run in report["summaries"].items():
            lines.append(f"| {name} | " + " | ".join(_cell(run, m) for m in SHAPE_METRICS)
                         + " |")
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
                  "| test set | " + " | ".join(TRANSLATION_TABLE) + " |",
                  "|---" * (len(TRANSLATION_TABLE) + 1) + "|"]
        for name, run in report["translation"].items():
            lines.append(f"| {name} | " + " | ".join(_cell(run, m) for m in TRANSLATION_TABLE)
                         + " |")
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
            lines.append(f"| {strategy} | {metric} | {r['baseline']:.2f} | {r['current']:.2f} "
                         f"| {r['change']:+.2f} | {r['p_value']:.4f}{star} | "
                         f"{r.get('documents', '')} |")
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
        lines += [f"## Per article: {name}", "", "| article | " + " | ".join(cols) + " |",
                  "|---" * (len(cols) + 1) + "|"]
        for doc_id, scores in sorted(docs.items()):
            cells = [f"{scores[m]:.2f}" if m in scores else "–" for m in cols]
            lines.append(f"| {doc_id} | " + " | ".join(cells) + " |")
        lines.append("")
        for metric in cols[:2]:
            ranked = sorted((d for d in docs if metric in docs[d]),
                            key=lambda d: docs[d][metric])[:WORST]
            lines += [f"Worst by {metric}:", ""]
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


def chart(report: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    import numpy as np

    runs = report["summaries"]
    fidelity = {name: run for name, run in report["translation"].items()
                if any(m in run["corpus"] for m in TRANSLATION_CHART)}
    # Summary scores and their trust panel (when there are summaries), then the
    # translation panel (when there are translation runs with those measures).
    planted = report.get("fidelity") or {}
    ratios = ([5, 2] if runs else []) + ([3] if fidelity else []) + ([5] if planted else [])
    fig, axes = plt.subplots(1, max(1, len(ratios)), figsize=(4 + 2 * sum(ratios) / 2, 4.5),
                             dpi=100, squeeze=False,
                             gridspec_kw={"width_ratios": ratios or [1]})
    noise = bool(random_weight_roles(report))
    if noise:
        fig.suptitle(RANDOM_NOTE, color="#b00020", fontweight="bold")
    room = (0.0, 0.0, 1.0, 0.92 if noise else 1.0)  # the note above the panels
    if planted:
        _fidelity_panel(axes[0][-1], planted)
    if fidelity:
        _translation_panel(axes[0][len(ratios) - 1 - bool(planted)], fidelity)
    if not runs:
        fig.tight_layout(rect=room)
        fig.savefig(path)
        plt.close(fig)
        return
    ax, trust = axes[0][0], axes[0][1]
    width = 0.8 / max(1, len(runs))
    x = np.arange(len(CHART_METRICS))
    t = np.arange(len(TRUST_METRICS))
    for i, (name, run) in enumerate(runs.items()):
        values = bar_values(run, CHART_METRICS)
        errors = [run["corpus"].get(m, {}).get("ci95", 0.0) for m in CHART_METRICS]
        ax.bar(x + i * width, values, width, yerr=errors, capsize=2, label=name)
        trust.bar(t + i * width, bar_values(run, TRUST_METRICS), width, label=name)
    ax.set_xticks(x + width * (len(runs) - 1) / 2, CHART_METRICS)
    ax.set_ylabel("score (higher is better)")
    ax.set_title("ringkas summary strategies against reference digests")
    ax.legend(fontsize="small")
    trust.set_xticks(t + width * (len(runs) - 1) / 2,
                     ["supported\nsentences % ↑", "unsupported\nnumbers % ↓"])
    trust.set_ylim(0, 100)
    trust.set_title("trust (against the article)")
    fig.tight_layout(rect=room)
    fig.savefig(path)
    plt.close(fig)


def bar_values(run: Mapping[str, Any], metrics: tuple[str, ...]) -> list[float]:
    """A run's value of each measure; NaN (no bar) for one it was not scored on: a 0 bar
    would read as a result (0% terms kept, or no unsupported numbers at all)."""
    return [run["corpus"][m]["value"] if m in run["corpus"] else math.nan for m in metrics]


def _translation_panel(ax: Any, runs: Mapping[str, Any]) -> None:
    import numpy as np

    x = np.arange(len(TRANSLATION_CHART))
    width = 0.8 / max(1, len(runs))
    for i, (name, run) in enumerate(runs.items()):
        ax.bar(x + i * width, bar_values(run, TRANSLATION_CHART), width, label=name)
    ax.set_xticks(x + width * (len(runs) - 1) / 2,
                  ["numbers kept", "terms (glossary)", "terms (none)"])
    ax.set_ylim(0, 100)
    ax.set_ylabel("% (higher is better)")
    ax.set_title("translation id→en: values and glossary names")
    ax.legend(fontsize="small")


def _fidelity_panel(ax: Any, runs: Mapping[str, Any]) -> None:
    import numpy as np

    kinds = sorted({m[len("recall_"):] for run in runs.values() for m in run["corpus"]
                    if m.startswith("recall_") and m != "recall_all"})
    x = np.arange(len(kinds))
    width = 0.8 / max(1, len(runs))
    for i, (name, run) in enumerate(runs.items()):
        alarms = run["corpus"]["false_alarms_per_digest"]["value"]
        ax.bar(x + i * width, bar_values(run, tuple(f"recall_{k}" for k in kinds)), width,
               label=f"{name}: {alarms:g} false alarms per digest")
    ax.set_xticks(x + width * (len(runs) - 1) / 2, [k.replace("_", "\n") for k in kinds],
                  fontsize="x-small")
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of planted errors caught")
    ax.set_title("fidelity check: planted errors by kind")
    ax.legend(fontsize="x-small")


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
