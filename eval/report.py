"""The report: JSON (everything), a Markdown table and a PNG chart comparing strategies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.run import StrategyRun

TABLE_METRICS = ("rouge1", "rouge2", "rougeLsum", "bleu", "chrf", "ter", "words",
                 "compression", "attribution_coverage", "unsupported_numeric_pct",
                 "unsupported_entities")
CHART_METRICS = ("rouge1", "rouge2", "rougeLsum", "bleu", "chrf")
# The trust panel: percentages, one higher and one lower is better.
TRUST_METRICS = ("attribution_coverage", "unsupported_numeric_pct")


def build(summaries: Mapping[str, StrategyRun], translation: Mapping[str, StrategyRun],
          meta: Mapping[str, Any]) -> dict[str, Any]:
    from service import __version__

    return {
        "ringkas_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "summaries": {name: run.to_json() for name, run in summaries.items()},
        "translation": {name: run.to_json() for name, run in translation.items()},
    }


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
             f"`{report['system']}`, length `{report['length']}`", ""]
    if report["summaries"]:
        lines += ["## Summaries (English, against reference digests)", "",
                  "| strategy | " + " | ".join(TABLE_METRICS) + " | errors |",
                  "|---" * (len(TABLE_METRICS) + 2) + "|"]
        for name, run in report["summaries"].items():
            cells = [_cell(run, m) for m in TABLE_METRICS]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {len(run['errors'])} |")
        lines += ["", "Higher is better except ter, compression and the unsupported_* columns "
                  "(fidelity: numeric claims their supporting sentences do not support, names "
                  "the article does not have). attribution_coverage is the % of summary "
                  "sentences the article supports. ± is the 95% bootstrap half-width.", ""]
        for name, run in report["summaries"].items():
            models = ", ".join(f"{m['role']}={m['id']}@{m['revision']}" for m in run["models"])
            prompt = run["prompt"]
            lines.append(f"- **{name}**: {models or 'n/a'}"
                         + (f"; prompt {prompt['name']} v{prompt['version']}" if prompt else ""))
        lines.append("")
    if report["translation"]:
        lines += ["## Translation id→en", "", "| test set | bleu | chrf | ter |",
                  "|---|---|---|---|"]
        for name, run in report["translation"].items():
            lines.append(f"| {name} | " + " | ".join(_cell(run, m) for m in ("bleu", "chrf",
                                                                               "ter")) + " |")
        lines.append("")
    lines += ["## Signatures", ""]
    signatures = {f"{section}/{m}": s["signature"] for section in ("summaries", "translation")
                  for run in report[section].values() for m, s in run["corpus"].items()}
    lines += [f"- {m}: `{sig}`" for m, sig in sorted(signatures.items())]
    return "\n".join(lines) + "\n"


def chart(report: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    import numpy as np

    runs = report["summaries"]
    fig, (ax, trust) = plt.subplots(1, 2, figsize=(12, 4.5), dpi=100,
                                    gridspec_kw={"width_ratios": [5, 2]})
    width = 0.8 / max(1, len(runs))
    x = np.arange(len(CHART_METRICS))
    t = np.arange(len(TRUST_METRICS))
    for i, (name, run) in enumerate(runs.items()):
        values = [run["corpus"].get(m, {}).get("value", 0.0) for m in CHART_METRICS]
        errors = [run["corpus"].get(m, {}).get("ci95", 0.0) for m in CHART_METRICS]
        ax.bar(x + i * width, values, width, yerr=errors, capsize=2, label=name)
        trust.bar(t + i * width, [run["corpus"].get(m, {}).get("value", 0.0)
                                  for m in TRUST_METRICS], width, label=name)
    ax.set_xticks(x + width * (len(runs) - 1) / 2, CHART_METRICS)
    ax.set_ylabel("score (higher is better)")
    ax.set_title("ringkas summary strategies against reference digests")
    ax.legend(fontsize="small")
    trust.set_xticks(t + width * (len(runs) - 1) / 2,
                     ["supported\nsentences % ↑", "unsupported\nnumbers % ↓"])
    trust.set_ylim(0, 100)
    trust.set_title("trust (against the article)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(report: Mapping[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "markdown": out / "report.md",
             "chart": out / "report.png"}
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    paths["markdown"].write_text(markdown(report), encoding="utf-8")
    if report["summaries"]:
        chart(report, paths["chart"])
    else:
        del paths["chart"]
    return paths
