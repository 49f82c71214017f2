"""The evaluation command: scoring, the report files, the regression gate, HTTP mode."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from eval import dataset
from eval.report import RANDOM_NOTE, chart
from eval.report import markdown as markdown_of
from service.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["eval", "--quiet", "--bootstrap", "50", *args])


def _hypotheses(path: Path, pick: int, strategy: str = "oracle", shift: int = 0) -> Path:
    """Each article's reference ``pick`` as its summary; ``shift`` > 0 gives every article
    another article's digest (a planted regression)."""
    docs = dataset.summary_set()
    with path.open("w", encoding="utf-8") as fh:
        for i, doc in enumerate(docs):
            summary = docs[(i + shift) % len(docs)].references[pick]
            fh.write(json.dumps({"doc_id": doc.doc_id, "strategy": strategy,
                                 "summary": summary}) + "\n")
    return path


@pytest.fixture(scope="module")
def oracle_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("oracle")
    result = run("--hypotheses", str(_hypotheses(tmp / "h.jsonl", 1)), "--out", str(tmp))
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads((tmp / "report.json").read_text(encoding="utf-8"))
    report["_dir"] = str(tmp)
    return report


def test_reference_as_hypothesis_scores_the_maximum(oracle_report: dict[str, Any]) -> None:
    corpus = oracle_report["summaries"]["oracle"]["corpus"]
    for metric in ("rouge1", "rouge2", "rougeLsum", "bleu", "chrf"):
        assert corpus[metric]["value"] == pytest.approx(100.0), metric
    assert corpus["ter"]["value"] == pytest.approx(0.0)
    # Our own digests were checked against the articles: no unsupported numbers.
    assert corpus["unsupported_numeric_pct"]["value"] == 0.0
    assert corpus["unsupported_numeric_pct"]["numeric_claims"] > 5
    # ... and the article supports every sentence of them.
    assert corpus["attribution_coverage"]["value"] == pytest.approx(100.0)
    assert corpus["attribution_coverage"]["summary_sentences"] > 20


def test_report_files_and_provenance(oracle_report: dict[str, Any]) -> None:
    out = Path(oracle_report["_dir"])
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "| oracle |" in markdown and "rouge2" in markdown and "Signatures" in markdown
    assert "attribution_coverage" in markdown and "unsupported_numeric_pct" in markdown
    assert RANDOM_NOTE not in markdown  # hypotheses files: no models, no noise note
    assert len(oracle_report["eval_set"]["sha256"]) == 64
    assert oracle_report["eval_set"]["summary_documents"] == len(dataset.summary_set())
    bleu = oracle_report["summaries"]["oracle"]["corpus"]["bleu"]
    assert bleu["signature"].startswith("nrefs:2|bs:50|")
    assert "ci95" in bleu
    docs = oracle_report["summaries"]["oracle"]["documents"]
    assert set(docs) == {d.doc_id for d in dataset.summary_set()}
    # What it was measured with, beyond the date.
    prov = oracle_report["provenance"]
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", prov["commit"] or "")
    assert prov["versions"]["sacrebleu"] == metadata.version("sacrebleu")
    assert prov["settings"]["bootstrap"] == 50 and prov["settings"]["task"] == "summary"
    assert f"ringkas commit `{prov['commit']}`" in markdown
    # A row per article, the worst beside their outputs, and the same as CSV.
    table = markdown.split("## Per article: oracle", 1)[1].split("Worst by", 1)[0]
    assert sum(line.startswith("| ") and not line.startswith("| article")
               for line in table.splitlines()) == len(docs)
    assert "Worst by ROUGE-2:" in markdown
    rows = list(csv.reader((out / "documents.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0][:3] == ["section", "strategy", "document"] and len(rows) == len(docs) + 1
    bleu_col = rows[0].index("bleu")
    assert {r[2]: float(r[bleu_col]) for r in rows[1:]} == {d: s["bleu"]
                                                           for d, s in docs.items()}


def test_gate_passes_against_itself_and_fails_on_a_planted_regression(tmp_path: Path) -> None:
    # (The brief digests, 6 articles: enough for a paired test to tell a real drop, short
    # enough for TER, which takes seconds per long dissimilar article.)
    base = run("--hypotheses", str(_hypotheses(tmp_path / "base.jsonl", 0)), "--limit", "6",
               "--out", str(tmp_path / "base"))
    assert base.exit_code == 0, base.output
    baseline = tmp_path / "base" / "report.json"
    same = run("--hypotheses", str(_hypotheses(tmp_path / "same.jsonl", 0)),
               "--out", str(tmp_path / "same"), "--baseline", str(baseline), "--limit", "6")
    assert same.exit_code == 0, same.output
    assert "gate: passed against" in same.output
    # Another article's digest scores far lower than the article's own.
    worse = run("--hypotheses", str(_hypotheses(tmp_path / "worse.jsonl", 0, shift=1)),
                "--out", str(tmp_path / "worse"), "--baseline", str(baseline), "--limit", "6")
    assert worse.exit_code == 1
    assert "REGRESSION" in worse.stderr
    line = next(x for x in worse.stderr.splitlines() if "summaries/oracle/rouge2:" in x)
    # direction, change, both intervals and the p-value the verdict rests on
    assert re.search(r"rouge2: 100\.00 ±0\.00 -> [0-9.]+ ±[0-9.]+ \(-[0-9.]+; higher is better; "
                     r"p = 0\.0[0-4][0-9]*; worse by over 1 and significant at p < 0\.05 fails\)",
                     line), line
    # Beside the gate: is the change real? Paired tests against the baseline's outputs.
    sig = json.loads((tmp_path / "worse" / "report.json").read_text())["significance"]
    chrf = sig["summaries"]["oracle"]["chrf"]
    assert chrf["change"] < 0 and chrf["documents"] == 6 and 0 < chrf["p_value"] < 0.05
    assert {"rouge1", "rouge2", "rougeL", "rougeLsum", "reference_coverage",
            "attribution_coverage"} <= set(sig["summaries"]["oracle"])
    assert "## Against the baseline" in (tmp_path / "worse" / "report.md").read_text()
    lenient = run("--hypotheses", str(tmp_path / "worse.jsonl"), "--out",
                  str(tmp_path / "lenient"), "--baseline", str(baseline), "--tolerance", "1000",
                  "--limit", "6")
    # --tolerance is for the scores; the trust measures keep their own half point.
    assert lenient.exit_code == 1 and "rouge2" not in lenient.stderr
    assert re.search(r"oracle/attribution_coverage: 100\.00 -> [0-9.]+ \(-[0-9.]+; higher is "
                     r"better; untested by rule: worse by over 0\.5 fails\)",
                     lenient.stderr), lenient.stderr
    # A run that produced nothing fails the gate, whatever the tolerance.
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"doc_id": "nope", "strategy": "oracle", "summary": "x"}) + "\n")
    nothing = run("--hypotheses", str(empty), "--out", str(tmp_path / "nothing"),
                  "--baseline", str(baseline), "--tolerance", "1000", "--limit", "6")
    assert nothing.exit_code == 1 and "oracle/errors" in nothing.stderr
    # Different articles are not comparable at all.
    other = run("--hypotheses", str(tmp_path / "same.jsonl"), "--out", str(tmp_path / "other"),
                "--baseline", str(baseline), "--limit", "3")
    assert other.exit_code == 3 and "eval_set.limit=6, this run with 3" in other.stderr
    assert not (tmp_path / "other").exists()  # refused before anything was run or scored


def test_a_drop_inside_the_noise_passes_and_the_same_drop_made_real_fails() -> None:
    """A score's drop past --tolerance fails only when the paired test finds it
    significant; without a test (a baseline without outputs) the minimum alone decides."""
    from eval.gate import compare

    def report(rouge2: float) -> dict[str, Any]:
        return {"summaries": {"s": {"corpus": {"rouge2": {"value": rouge2, "ci95": 4.0}}}}}

    base, cur = report(30.0), report(27.0)
    noisy = {"s": {"rouge2": {"p_value": 0.31}}}
    real = {"s": {"rouge2": {"p_value": 0.004}}}
    assert compare(cur, base, 1.0, noisy) == []
    (found,) = compare(cur, base, 1.0, real)
    assert found.p_value == 0.004 and "30.00 ±4.00 -> 27.00 ±4.00" in str(found)
    assert len(compare(cur, base, 1.0, None)) == 1  # untested: the minimum decides
    assert compare(cur, base, 5.0, real) == []  # significant but smaller than the minimum
    assert len(compare(cur, base, 1.0, noisy, level=0.5)) == 1


def test_gate_directions() -> None:
    from eval.gate import compare

    def report(value: float, higher: bool) -> dict[str, Any]:
        return {"summaries": {"s": {"corpus": {"m": {"value": value,
                                                     "higher_is_better": higher}}}}}

    assert compare(report(50, True), report(52, True), 1.0)  # dropped 2 > 1
    assert not compare(report(51.5, True), report(52, True), 1.0)
    assert compare(report(12, False), report(10, False), 1.0)  # lower-is-better rose
    assert not compare(report(8, False), report(10, False), 1.0)


def test_gate_covers_attribution_and_unsupported_numbers() -> None:
    from eval.gate import compare

    def report(coverage: float, numbers: float) -> dict[str, Any]:
        return {"summaries": {"s": {"corpus": {
            "attribution_coverage": {"value": coverage, "higher_is_better": True},
            "unsupported_numeric_pct": {"value": numbers, "higher_is_better": False}}}}}

    assert compare(report(100, 0), report(100, 0), 1.0) == []
    assert [r.metric for r in compare(report(90, 0), report(100, 0), 1.0)] == [
        "attribution_coverage"]
    assert [r.metric for r in compare(report(100, 5), report(100, 0), 1.0)] == [
        "unsupported_numeric_pct"]


def test_fidelity_is_measured_on_hypotheses(tmp_path: Path) -> None:
    seed = dataset.summary_set()[0]
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps({"doc_id": seed.doc_id, "summary": "The ministry reported "
                                "investment of IDR 20 trillion in 2024."}) + "\n",
                    encoding="utf-8")
    result = run("--hypotheses", str(path), "--out", str(tmp_path), "--limit", "1")
    assert result.exit_code == 0, result.output
    corpus = json.loads((tmp_path / "report.json").read_text())["summaries"]["external"]["corpus"]
    assert corpus["unsupported_numeric_pct"]["value"] == pytest.approx(100.0)


def test_missing_hypothesis_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps({"doc_id": "nope", "summary": "x"}) + "\n", encoding="utf-8")
    result = run("--hypotheses", str(path), "--out", str(tmp_path), "--limit", "2")
    assert result.exit_code == 0
    errors = json.loads((tmp_path / "report.json").read_text())["summaries"]["external"]["errors"]
    assert len(errors) == 2 and "article(s) failed" in result.stderr


def test_in_process_strategies_on_tiny_models(tiny_dir: Path, tmp_path: Path) -> None:
    result = run("--models", str(tiny_dir), "--strategy", "extractive", "--strategy",
                 "translate-summarise", "--limit", "2", "--length", "short", "--out",
                 str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert list(report["summaries"]) == ["extractive", "translate-summarise"]
    models = report["summaries"]["translate-summarise"]["models"]
    assert {m["role"] for m in models} == {"translate_id_en", "summarize"}
    assert all(m["random_weights"] for m in models)
    assert len(report["summaries"]["extractive"]["outputs"]) == 2
    # The report a person reads says so too, not only report.json.
    markdown = (tmp_path / "report.md").read_text()
    assert RANDOM_NOTE in markdown.split("## Summaries")[0]  # above the tables
    assert "summarize=" in markdown and "(random weights)" in markdown
    # ... and so does the chart: the same report drawn without the flags differs.
    plain = json.loads(json.dumps(report))
    for run_ in plain["summaries"].values():
        for m in run_["models"]:
            m["random_weights"] = False
    chart(plain, tmp_path / "plain.png")
    chart(report, tmp_path / "noisy.png")
    assert (tmp_path / "plain.png").read_bytes() != (tmp_path / "noisy.png").read_bytes()
    assert RANDOM_NOTE not in markdown_of(plain)


def test_translation_task(tiny_dir: Path, tmp_path: Path) -> None:
    result = run("--models", str(tiny_dir), "--task", "translation", "--limit", "1",
                 "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["translation"]) == {"ntrex-128", "ntrex-128+glossary", "nusax-mt"}
    ntrex = report["translation"]["ntrex-128"]
    assert set(ntrex["corpus"]) == {"bleu", "chrf", "ter", "numbers_preserved",
                                    "numbers_unflagged_changes"}
    assert ntrex["corpus"]["numbers_unflagged_changes"]["value"] == 0
    assert len(ntrex["documents"]) == 1
    terms = report["translation"]["ntrex-128+glossary"]["corpus"]
    assert terms["glossary_unflagged_misses"]["value"] == 0
    assert terms["glossary_term_accuracy"]["cases"] > 0
    assert "glossary_term_accuracy" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "report.png").exists()  # the translation panel


def test_eval_over_http(server: str, tmp_path: Path) -> None:
    result = run("--service", server, "--strategy", "extractive", "--limit", "1",
                 "--task", "all", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["system"] == f"http {server}"
    assert report["summaries"]["extractive"]["models"][0]["role"] == "translate_id_en"
    # NusaX goes as one document of 10 texts per --limit; batches keep it under the
    # server's per-request limits, and the translation part names its model too.
    for name in ("ntrex-128", "nusax-mt"):
        assert report["translation"][name]["errors"] == {}
        assert report["translation"][name]["models"][0]["role"] == "translate_id_en"


def test_unreachable_service_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run("--service", "http://127.0.0.1:9", "--out", str(tmp_path))
    assert result.exit_code == 1 and "no ringkas service answers" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = run("--hypotheses", str(bad), "--out", str(tmp_path))
    assert result.exit_code == 1 and "bad.jsonl:1" in result.output


def test_python_dash_m_eval() -> None:
    proc = subprocess.run([sys.executable, "-m", "eval", "--help"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "--baseline" in proc.stdout


def test_a_measure_a_run_was_not_scored_on_gets_no_bar() -> None:
    from eval.report import TRANSLATION_CHART, bar_values

    run = {"corpus": {"numbers_preserved": {"value": 97.5}}}
    assert bar_values(run, TRANSLATION_CHART) == (97.5, None, None)


def _score(value: float, ci: float | None = None) -> dict[str, Any]:
    return {"value": value, "signature": "sig", "higher_is_better": True,
            **({"ci95": ci} if ci is not None else {})}


def _summary_run(corpus: dict[str, Any], failed: int = 0, articles: int = 13) -> dict[str, Any]:
    """A summary strategy's run as report.json has it, ``failed`` of its articles errors."""
    return {"models": [], "prompt": None, "corpus": corpus, "documents": {},
            "outputs": {f"doc{i}": "A summary." for i in range(articles - failed)},
            "errors": {f"bad{i}": "KeyError: no summary" for i in range(failed)}}


SCORES = {"rouge1": _score(40.0, 2.0), "rouge2": _score(18.0, 1.5),
          "rougeLsum": _score(35.0, 2.0), "bleu": _score(12.0, 1.0), "chrf": _score(45.0, 1.0),
          "attribution_coverage": _score(92.0)}


def _chart_report(system: str = "in-process") -> dict[str, Any]:
    """Two strategies: one with no unsupported numbers (0%), one never scored on them and
    with 2 of its 13 articles failed."""
    return {"created": "now", "system": system, "length": "medium",
            "eval_set": {"sha256": "0" * 64, "summary_documents": 13},
            "summaries": {
                "extractive": _summary_run({**SCORES,
                                            "unsupported_numeric_pct": _score(0.0)}),
                "direct": _summary_run(SCORES, failed=2)},
            "translation": {}, "fidelity": {}}


def test_chart_trust_panel_has_a_legend_of_the_runs() -> None:
    from eval.report import chart_spec

    scores, trust = chart_spec(_chart_report()).panels
    assert trust.title.startswith("trust")
    assert [s.label for s in trust.series] == [s.label for s in scores.series]
    assert [s.label for s in trust.series] == ["extractive", "direct (2 of 13 failed)"]


def test_chart_tells_zero_from_not_measured() -> None:
    from eval.report import chart_spec

    _, trust = chart_spec(_chart_report()).panels
    extractive, direct = trust.series
    assert extractive.values == (92.0, 0.0) and extractive.value_labels == ("92.0", "0.0")
    assert direct.values == (92.0, None) and direct.value_labels == ("92.0", "n/a")


def test_chart_says_how_many_articles_failed() -> None:
    from eval.report import chart_spec

    report = _chart_report()
    report["summaries"]["direct"] = _summary_run({}, failed=13)  # nothing to score
    scores, trust = chart_spec(report).panels
    assert scores.series[1].label == trust.series[1].label == "direct (13 of 13 failed)"
    assert set(scores.series[1].value_labels) == {"n/a"}
    report["translation"] = {"ntrex-128": {"corpus": {"numbers_preserved": _score(97.0)},
                                           "errors": {"doc-1": "TimeoutError"}}}
    assert chart_spec(report).panels[2].series[0].label == "ntrex-128 (1 failed)"


@pytest.mark.parametrize(("system", "title"), [
    ("in-process", "ringkas summary strategies"),
    ("http http://127.0.0.1:8000", "ringkas at http://127.0.0.1:8000: summary strategies"),
    ("hypotheses", "summary systems (hypotheses file)"),
    ("some-other", "summaries: some-other"),
])
def test_chart_title_names_what_was_evaluated(system: str, title: str) -> None:
    from eval.report import chart_spec

    scores = chart_spec(_chart_report(system)).panels[0]
    assert scores.title == f"{title}\nagainst reference digests"


def test_measures_go_by_their_names_in_chart_and_markdown() -> None:
    """chrf is chrF++ (word_order=2); the chart's ticks and report.md's headings say so."""
    from eval.report import chart_spec

    assert chart_spec(_chart_report()).panels[0].ticks == (
        "ROUGE-1", "ROUGE-2", "ROUGE-Lsum", "BLEU", "chrF++")
    report = _chart_report()
    report["summaries"]["extractive"]["documents"] = {"doc0": {"rouge2": 18.0, "chrf": 45.0}}
    text = markdown_of(report)
    heading = next(line for line in text.splitlines() if line.startswith("| strategy |"))
    assert "| BLEU | chrF++ | TER |" in heading and "chrf" not in heading
    assert "| article | ROUGE-2 | chrF++ |" in text and "Worst by ROUGE-2:" in text


def test_chart_figure_shows_legends_titles_and_labels(tmp_path: Path) -> None:
    """The drawn figure, not only its spec: a legend in every panel, the title, the 0 bar's
    marker and the labels."""
    import matplotlib.pyplot as plt

    from eval.report import figure

    fig = figure(_chart_report("hypotheses"))
    try:
        scores, trust = fig.axes
        for ax in (scores, trust):
            legend = ax.get_legend()
            assert legend is not None
            assert [t.get_text() for t in legend.get_texts()] == [
                "extractive", "direct (2 of 13 failed)"]
        assert scores.get_title() == "summary systems (hypotheses file)\nagainst reference digests"
        assert "chrF++" in [t.get_text() for t in scores.get_xticklabels()]
        texts = [t.get_text() for t in trust.texts]
        assert texts == ["92.0", "0.0", "92.0", "n/a"]
        # the 0% bar has no height; its marker sits on the axis
        assert [tuple(line.get_ydata()) for line in trust.lines if line.get_marker() == "^"] \
            == [(0,)]
        assert fig.get_suptitle() == ""  # no random weights, no warning
    finally:
        plt.close(fig)
    chart(_chart_report(), tmp_path / "report.png")
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_progress_bar_names_each_metric_while_scoring() -> None:
    """Scoring (TER on long texts) takes minutes after the last article came back: the bar
    says which metric it is on rather than sitting silent at 13/13."""
    from eval.run import StrategyRun, _score

    class Bar:
        def __init__(self) -> None:
            self.said: list[str] = []

        def set_postfix_str(self, text: str, refresh: bool = True) -> None:
            self.said.append(text)

    bar, run = Bar(), StrategyRun("extractive")
    hyp, ref = "Menteri meresmikan pabrik.", "Menteri meresmikan pabrik baru."
    _score(("bleu", "chrf"), [hyp], [[ref]], [ref], ["d1"], run, 10, bar=bar)
    assert bar.said == ["scoring extractive: bleu", "scoring extractive: chrf"]
    assert set(run.corpus) >= {"bleu", "chrf"}


def test_each_metric_keeps_its_own_rule() -> None:
    """A promised count may not rise at all; a rate of unsupported claims or the coverage
    may worsen by half a point; other scores by --tolerance."""
    from eval.gate import compare

    def report(**values: float) -> dict[str, Any]:
        lower = {"unsupported_entities", "numbers_unflagged_changes"}
        return {"summaries": {"s": {"corpus": {m: {"value": v, "higher_is_better": m not in
                                                   lower} for m, v in values.items()}}}}

    base = report(numbers_unflagged_changes=0, unsupported_entities=0.1,
                  attribution_coverage=100.0, rouge2=20.0)
    same = compare(base, base, tolerance=1.0)
    assert same == []
    worse = compare(report(numbers_unflagged_changes=1, unsupported_entities=1.05,
                           attribution_coverage=99.01, rouge2=19.2), base, tolerance=1.0)
    assert sorted(r.metric for r in worse) == ["attribution_coverage",
                                               "numbers_unflagged_changes",
                                               "unsupported_entities"]  # rouge2 is in noise
    assert "may not rise" in str(next(r for r in worse
                                      if r.metric == "numbers_unflagged_changes"))


def test_a_baseline_scored_another_way_is_refused(oracle_report: dict[str, Any],
                                                 tmp_path: Path) -> None:
    """A doctored signature (another sacrebleu, tokeniser or resampling) is not the same
    measure: the gate refuses with its own exit code and names the metric."""
    saved = json.loads(json.dumps({k: v for k, v in oracle_report.items() if k != "_dir"}))
    bleu = saved["summaries"]["oracle"]["corpus"]["bleu"]
    bleu["signature"] = bleu["signature"].replace("version:", "version:1.4.14-was-")
    baseline = tmp_path / "doctored.json"
    baseline.write_text(json.dumps(saved), encoding="utf-8")
    hyps = _hypotheses(tmp_path / "h.jsonl", 1)
    result = run("--hypotheses", str(hyps), "--out", str(tmp_path / "out"),
                 "--baseline", str(baseline))
    assert result.exit_code == 3, result.output
    assert "summaries/oracle/bleu was scored differently" in result.stderr
    assert not (tmp_path / "out").exists()  # known before a summary was scored
    bootstrap = run("--hypotheses", str(hyps), "--out", str(tmp_path / "b"), "--baseline",
                    str(baseline), "--bootstrap", "10")  # other scoring settings
    assert bootstrap.exit_code == 3 and "metrics.bootstrap=50" in bootstrap.stderr
    assert not (tmp_path / "b").exists()


def test_paired_p_values_equal_sacrebleus_command_line(tmp_path: Path) -> None:
    """The paired bootstrap gives the p-values `sacrebleu --paired-bs` prints for the same
    files: first sentences of the brief digests against the digests themselves."""
    from eval.significance import paired

    docs = dataset.summary_set()[:6]

    def norm(text: str) -> str:
        return " ".join(text.split())

    refs = [[norm(r) for r in d.references] for d in docs]
    current = [r[1] for r in refs]
    base = [r[1].split(". ")[0] + "." for r in refs]
    ours = {r.metric: r for r in paired(base, current, refs)}
    for i in range(2):
        (tmp_path / f"ref{i}").write_text("\n".join(r[i] for r in refs) + "\n")
    (tmp_path / "base").write_text("\n".join(base) + "\n")
    (tmp_path / "current").write_text("\n".join(current) + "\n")
    def sacrebleu_p(test: str) -> list[float]:
        cli = subprocess.run([sys.executable, "-m", "sacrebleu", "ref0", "ref1", "-i", "base",
                              "current", f"--paired-{test}", "-m", "bleu", "chrf", "ter",
                              "--chrf-word-order", "2", "-f", "text"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, "SACREBLEU_SEED": "12345"})
        assert cli.returncode == 0, cli.stderr
        return [float(p) for p in re.findall(r"\(p = ([0-9.]+)\)", cli.stdout)]

    # (BLEU ties at 100: the first sentence matches the brief digest, and a score that did
    # not move has p = 1 here, where sacrebleu counts only samples strictly beyond zero)
    assert ours["bleu"].change == 0 and ours["bleu"].p_value == ours["bleu"].p_strict == 1.0
    changed = ("chrf", "ter")
    assert sacrebleu_p("bs")[1:] == [round(ours[m].p_strict or 0, 4) for m in changed]
    assert ours["chrf"].p_value < 0.05 and ours["chrf"].change > 0
    # and approximate randomisation, as --paired-ar (10,000 shuffles)
    shuffled = {r.metric: r for r in paired(base, current, refs, test="ar")}
    assert sacrebleu_p("ar")[1:] == [round(shuffled[m].p_strict or 0, 4) for m in changed]
    # the gate's count takes the ties in too: never a smaller p
    for result in [*ours.values(), *shuffled.values()]:
        assert result.p_value >= (result.p_strict or 0)


@pytest.mark.parametrize("test", ["ar", "bs"])
def test_one_changed_article_is_no_evidence_of_a_change(test: str) -> None:
    """Of eight articles one summary changed: every shuffle of approximate randomisation
    gives the same difference (the one article on either side), so the change cannot be
    told from chance; sacrebleu's strict count would call it p = 1/10001."""
    from eval.significance import paired, paired_values

    docs = dataset.summary_set()[:8]
    refs = [[" ".join(r.split()) for r in d.references] for d in docs]
    base = [r[1] for r in refs]
    current = [*base[:-1], base[-1].split(". ")[0] + "."]
    for result in paired(base, current, refs, test=test):
        if result.metric == "bleu" and result.change == 0:
            continue  # the first sentence can tie BLEU against the brief digest
        assert result.change != 0 and result.p_value > 0.05, result
    values = paired_values("rouge2", [30.0] * 8, [30.0] * 7 + [10.0], test=test)
    assert values.p_value > 0.05, values
    if test == "ar":
        assert values.p_value == 1.0 and values.p_strict is not None
        assert values.p_strict < 0.001  # what counting strictly beyond would conclude


def test_too_few_common_articles_get_no_paired_test(tmp_path: Path) -> None:
    """Below MIN_DOCUMENTS articles no paired test could reach 0.05, so none is run and
    the minimum alone decides."""
    from eval.significance import MIN_DOCUMENTS, compare_runs

    docs = dataset.summary_set()[:MIN_DOCUMENTS]
    refs = {d.doc_id: list(d.references) for d in docs}

    def report(texts: dict[str, str]) -> dict[str, Any]:
        return {"summaries": {"s": {"outputs": texts}}}

    full = {d.doc_id: d.references[1] for d in docs}
    cut = {k: v.split(". ")[0] + "." for k, v in full.items()}
    few = dict(list(full.items())[:MIN_DOCUMENTS - 1])
    few_cut = dict(list(cut.items())[:MIN_DOCUMENTS - 1])
    assert compare_runs(report(few_cut), report(few), refs) == {}
    assert compare_runs(report(cut), report(full), refs)["s"]["chrf"]["documents"] == \
        MIN_DOCUMENTS


def _summaries(path: Path, make: Any) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for doc in dataset.summary_set()[:2]:
            fh.write(json.dumps({"doc_id": doc.doc_id, "strategy": "oracle",
                                 "summary": make(doc.references[1])}) + "\n")
    return path


def test_shrunk_or_looping_summaries_fail_the_gate_whatever_the_scores(
        tmp_path: Path) -> None:
    """One-sentence summaries, or a sentence pasted over and over to the same length, fail
    on length and repetition even with every score's tolerance set aside."""
    base = run("--hypotheses", str(_summaries(tmp_path / "b.jsonl", lambda r: r)),
               "--limit", "2", "--out", str(tmp_path / "base"))
    assert base.exit_code == 0, base.output
    baseline = str(tmp_path / "base" / "report.json")

    def first(text: str) -> str:
        return text.split(". ")[0] + "."

    def looped(text: str) -> str:
        times = max(1, len(text.split()) // max(1, len(first(text).split())))
        return " ".join([first(text)] * times)

    for name, make, metric in (("first", first, "summaries/oracle/words"),
                               ("looped", looped, "summaries/oracle/repetition_pct")):
        out = run("--hypotheses", str(_summaries(tmp_path / f"{name}.jsonl", make)),
                  "--limit", "2", "--out", str(tmp_path / name), "--baseline", baseline,
                  "--tolerance", "1000")
        assert out.exit_code == 1, (name, out.output)
        assert metric in out.stderr, (name, out.stderr)


def test_paired_tests_on_per_document_values() -> None:
    """ROUGE, coverage and the trust rates get the same paired tests as sacrebleu's
    metrics: approximate randomisation agrees with the exact sign-flip test over every
    assignment, a real difference is significant, none is p = 1, and a pooled rate is
    tested on the value the corpus reports (claims weighed, not documents)."""
    import itertools

    from eval.significance import paired_values

    base = [20.0, 31.0, 25.0, 40.0, 18.0, 27.0, 33.0, 22.0]
    cur = [b + d for b, d in zip(base, [-4, -1, 2, -6, -3, 1, -5, -2], strict=True)]
    real = abs(sum(cur) - sum(base)) / len(base)
    flips = [abs(sum(c - b if keep else b - c for b, c, keep in zip(base, cur, signs,
                                                                     strict=True)))
             / len(base) for signs in itertools.product([True, False], repeat=len(base))]
    # the exact test: the share of sign assignments at least as far as the real difference
    exact = sum(f >= real - 1e-9 for f in flips) / len(flips)
    ar = paired_values("rouge2", base, cur, test="ar", n_samples=20000)
    assert abs(ar.p_value - exact) < 0.02, (ar.p_value, exact)
    strictly = sum(f > real + 1e-9 for f in flips) / len(flips)
    assert ar.p_strict is not None and abs(ar.p_strict - strictly) < 0.02
    assert ar.change == sum(cur) / len(cur) - sum(base) / len(base)
    bs = paired_values("rouge2", base, cur, test="bs")
    assert bs.p_value < 0.05 and ar.p_value < 0.1
    assert paired_values("rouge2", base, base).p_value == 1.0
    # the same rate from other claim counts: no change, whatever the resamples do
    assert paired_values("attribution_coverage", [100.0] * 3, [100.0] * 3,
                         ([1, 2, 3], [3, 2, 1])).p_value == 1.0
    assert paired_values("rouge2", base, base, test="ar").p_value == 1.0
    # one document with 9 claims, all unsupported, against three with one claim each
    pooled = paired_values("unsupported_numeric_pct", [0, 0, 0, 0], [100, 0, 0, 0],
                           ([9, 1, 1, 1], [9, 1, 1, 1]))
    assert pooled.current == 75.0 and pooled.baseline == 0.0
    # nothing to pool (summaries of no sentences): the corpus convention, coverage 100
    empty = paired_values("attribution_coverage", [100.0] * 6, [100.0] * 5 + [50.0],
                          ([0] * 6, [0] * 5 + [2]), test="ar")
    assert empty.baseline == 100.0 and empty.current == 50.0
    with pytest.raises(ValueError, match="unknown paired test"):
        paired_values("rouge2", base, cur, test="t")


def test_rouge_l_the_lsum_split_and_the_seed_are_in_the_signature(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    from eval.metrics import MetricSetupError, Rouge

    # the reference's two sentences in the other order: Lsum, read per sentence, is whole
    hyp = "Production starts next year. The minister opened a new plant."
    ref = ["The minister opened a new plant. Production starts next year."]
    scores = {s.name: s for s in Rouge(n_bootstrap=1).corpus([hyp], [ref], [""])}
    assert set(scores) == {"rouge1", "rouge2", "rougeL", "rougeLsum"}
    assert "lsum-split:ringkas" in scores["rougeL"].signature
    assert "seed:12345" in scores["rougeL"].signature
    assert "seed:7" in Rouge(seed=7).corpus([hyp], [ref], [""])[0].signature
    assert scores["rougeLsum"].value == 100.0 > scores["rougeL"].value
    # the text's own lines (it has none): the two sentences read as one, as plain L does
    own = {s.name: s.value for s in Rouge(n_bootstrap=1, lsum_split="newline").corpus(
        [hyp], [ref], [""])}
    assert own["rougeLsum"] == own["rougeL"] < 100.0
    assert own["rougeL"] == scores["rougeL"].value  # plain L ignores sentences
    import nltk

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "none")])
    with pytest.raises(MetricSetupError, match=r"nltk\.downloader punkt_tab"):
        Rouge(lsum_split="nltk")
    missing = run("--hypotheses", str(_hypotheses(tmp_path / "h.jsonl", 0)), "--out",
                  str(tmp_path / "out"), "--lsum-split", "nltk")
    assert missing.exit_code == 2 and "punkt_tab" in missing.output
    assert not (tmp_path / "out").exists()  # said before anything ran
    # with Punkt's data (here a minimal English model) the published convention is used
    english = tmp_path / "nltk" / "tokenizers" / "punkt_tab" / "english"
    english.mkdir(parents=True)
    for name in ("collocations.tab", "sent_starters.txt", "ortho_context.tab"):
        (english / name).write_text("")
    (english / "abbrev_types.txt").write_text("mr\n")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "nltk")])
    punkt = {s.name: s for s in Rouge(n_bootstrap=1, lsum_split="nltk").corpus(
        [hyp], [ref], [""])}
    assert "lsum-split:nltk" in punkt["rougeLsum"].signature
    assert punkt["rougeLsum"].value == scores["rougeLsum"].value  # same three sentences


def test_length_and_coverage_see_a_cut_or_shrunk_summary() -> None:
    from eval.metrics import Coverage, Length, truncated

    article_en = "The minister opened a new plant in Bekasi. It will employ 300 workers."
    refs = ["The minister opened a new plant in Bekasi that will employ 300 workers."]
    full = "The minister opened a new plant in Bekasi. It will employ 300 workers."
    first = "The minister opened a new plant in Bekasi."
    cut = "The minister opened a new plant in Bekasi. It will employ"
    cov = {s.name: s for s in Coverage([article_en]).corpus([full], [refs], [""])}
    short = {s.name: s for s in Coverage([article_en]).corpus([first], [refs], [""])}
    assert cov["reference_coverage"].value == 100.0
    assert short["reference_coverage"].value < 70
    assert cov["novel_bigrams_pct"].value == 0.0  # a copy of the English original
    assert short["reference_length_ratio"].value < cov["reference_length_ratio"].value
    assert "novel_bigrams_pct" not in {s.name for s in Coverage(None).corpus([full], [refs],
                                                                             [""])}
    assert truncated(cut) and not truncated(full) and not truncated('He said "no."')
    lengths = {s.name: s.value for s in Length().corpus([full, cut], [refs, refs],
                                                        [article_en] * 2)}
    assert lengths["truncated_pct"] == 50.0 and lengths["sentences"] == 2.0


def test_a_hypotheses_run_has_no_length_and_meets_any_baseline(oracle_report: dict[str, Any],
                                                               tmp_path: Path) -> None:
    """A file's summaries were not asked for a length: a baseline made with --length short
    is still compared, not refused."""
    assert oracle_report["length"] is None
    saved = json.loads(json.dumps({k: v for k, v in oracle_report.items() if k != "_dir"}))
    saved["length"] = "short"
    baseline = tmp_path / "short.json"
    baseline.write_text(json.dumps(saved), encoding="utf-8")
    result = run("--hypotheses", str(_hypotheses(tmp_path / "h.jsonl", 1)), "--out",
                 str(tmp_path / "out"), "--baseline", str(baseline))
    assert result.exit_code == 0, result.output


def test_other_versions_are_a_notice_and_strict_refuses_them(oracle_report: dict[str, Any],
                                                            tmp_path: Path) -> None:
    saved = json.loads(json.dumps({k: v for k, v in oracle_report.items() if k != "_dir"}))
    saved["provenance"]["versions"]["torch"] = "1.0.0"
    saved["summaries"]["oracle"]["models"] = [{"role": "summarizer", "id": "a/b"}]
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps(saved), encoding="utf-8")
    hyps = str(_hypotheses(tmp_path / "h.jsonl", 1))
    lenient = run("--hypotheses", hyps, "--out", str(tmp_path / "a"), "--baseline",
                  str(baseline))
    assert lenient.exit_code == 0, lenient.output
    assert "notice: version of torch: 1.0.0 ->" in lenient.stderr
    strict = run("--hypotheses", hyps, "--out", str(tmp_path / "b"), "--baseline",
                 str(baseline), "--strict")
    assert strict.exit_code == 3 and "version of torch: 1.0.0" in strict.stderr
    assert not (tmp_path / "b").exists()  # refused before the run
    # Models are known only after the run: refused then, with what it produced written.
    saved["provenance"]["versions"] = oracle_report["provenance"]["versions"]
    baseline.write_text(json.dumps(saved), encoding="utf-8")
    after = run("--hypotheses", hyps, "--out", str(tmp_path / "c"), "--baseline",
                str(baseline), "--strict")
    assert after.exit_code == 3 and "summarizer model removed: a/b" in after.stderr
    assert json.loads((tmp_path / "c" / "report.json").read_text())["summaries"]["oracle"]


def test_a_translation_baseline_scored_another_way_is_refused_before_the_run() -> None:
    from eval.gate import IncomparableReports, check_signatures
    from eval.run import expected_signatures

    docs = dataset.summary_set()[:2]
    expected = expected_signatures(docs, 50, translation=True, summaries=False)
    assert set(expected) == {"translation"}
    assert set(expected["translation"]) == {"bleu", "chrf", "ter"}
    same = {"translation": {"ntrex-128": {"corpus": {
        m: {"value": 1.0, "signature": sig} for m, sig in expected["translation"].items()}}}}
    check_signatures(expected, same)
    other = json.loads(json.dumps(same))
    bleu = other["translation"]["ntrex-128"]["corpus"]["bleu"]
    bleu["signature"] = bleu["signature"].replace("tok:13a", "tok:intl")
    with pytest.raises(IncomparableReports, match="translation/ntrex-128/bleu"):
        check_signatures(expected, other)


def test_the_documented_gate_failure_is_what_the_commands_print(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/evaluation.md's gate example, run verbatim: its commands work from a checkout's
    layout and print the regression lines the page shows."""
    import shlex

    from eval import examples

    text = (Path(__file__).resolve().parent.parent / "docs" / "evaluation.md").read_text(
        encoding="utf-8")
    section = text.split("- **What fails**", 1)[1].split("- **Significance**", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line) for line in block.replace("\\\n", " ").splitlines()
                if line.strip()]
    assert commands[0][:3] == [".venv/bin/python", "-m", "eval.examples"]
    monkeypatch.chdir(tmp_path)
    assert examples.main(commands[0][3:]) == 0
    results = []
    for command in commands[1:]:
        assert command[:2] == [".venv/bin/ringkas", "eval"]
        results.append(CliRunner().invoke(main, [*command[1:], "--quiet"]))
    assert [r.exit_code for r in results] == [0, 1], [r.output for r in results]
    printed = [line.strip() for line in results[1].stderr.splitlines()]
    assert [line.strip() for line in shown.splitlines() if line.strip()] == printed


def test_what_produced_the_summaries_is_listed_when_it_differs() -> None:
    from eval.gate import differences

    def report(commit: str, beams: int, prompt: int, torch: str) -> dict[str, Any]:
        model = {"role": "summarizer", "id": "sshleifer/distilbart-cnn-12-6", "revision": "main",
                 "commit": commit, "backend": "ctranslate2", "decoding": {"num_beams": beams}}
        return {"system": "in-process", "provenance": {"versions": {"torch": torch}},
                "summaries": {"direct": {"models": [model], "prompt": {"version": prompt}}}}

    assert differences(report("a1", 4, 1, "2.13.0"), report("a1", 4, 1, "2.13.0")) == []
    said = differences(report("b2", 2, 2, "2.13.0"), report("a1", 4, 1, "2.12.0"))
    assert "version of torch: 2.12.0 -> 2.13.0" in said
    assert "summaries/direct: summarizer model commit a1 -> b2" in said
    assert any("summarizer decoding {'num_beams': 4} -> {'num_beams': 2}" in s for s in said)
    assert any(s.startswith("summaries/direct: prompt") for s in said)
    # a model one report used and the other did not
    two = report("a1", 4, 1, "2.13.0")
    two["summaries"]["direct"]["models"].append({"role": "translator", "id": "opus-mt-id-en"})
    assert differences(two, report("a1", 4, 1, "2.13.0")) == [
        "summaries/direct: translator model added: opus-mt-id-en"]
    assert differences(report("a1", 4, 1, "2.13.0"), two) == [
        "summaries/direct: translator model removed: opus-mt-id-en"]


def test_a_limit_that_keeps_every_article_is_no_limit() -> None:
    """--limit 50 on the 13 summary articles scores what no limit scores: comparable; a
    limit that cuts the set is not."""
    from eval.cli import _effective_limit

    articles = len(dataset.summary_set())
    assert _effective_limit("summary", 50) == _effective_limit("summary", 0) == 0
    assert _effective_limit("summary", articles) == 0
    assert _effective_limit("summary", articles - 1) == articles - 1
    # the translation set is longer: there 50 cuts it
    assert _effective_limit("translation", 50) == 50
    assert _effective_limit("all", 50) == 50
