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
    assert "Worst by rouge2:" in markdown
    rows = list(csv.reader((out / "documents.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0][:3] == ["section", "strategy", "document"] and len(rows) == len(docs) + 1
    bleu_col = rows[0].index("bleu")
    assert {r[2]: float(r[bleu_col]) for r in rows[1:]} == {d: s["bleu"]
                                                           for d, s in docs.items()}


def test_gate_passes_against_itself_and_fails_on_a_planted_regression(tmp_path: Path) -> None:
    # (--limit 2: TER on long dissimilar texts takes seconds per article.)
    base = run("--hypotheses", str(_hypotheses(tmp_path / "base.jsonl", 1)), "--limit", "2",
               "--out", str(tmp_path / "base"))
    assert base.exit_code == 0, base.output
    baseline = tmp_path / "base" / "report.json"
    same = run("--hypotheses", str(_hypotheses(tmp_path / "same.jsonl", 1)),
               "--out", str(tmp_path / "same"), "--baseline", str(baseline), "--limit", "2")
    assert same.exit_code == 0, same.output
    assert "gate: no metric dropped" in same.output
    # Another article's digest scores far lower than the article's own.
    worse = run("--hypotheses", str(_hypotheses(tmp_path / "worse.jsonl", 1, shift=1)),
                "--out", str(tmp_path / "worse"), "--baseline", str(baseline), "--limit", "2")
    assert worse.exit_code == 1
    assert "REGRESSION" in worse.stderr and "summaries/oracle/rouge2" in worse.stderr
    # Beside the gate: is the change real? Paired tests against the baseline's outputs.
    sig = json.loads((tmp_path / "worse" / "report.json").read_text())["significance"]
    chrf = sig["summaries"]["oracle"]["chrf"]
    assert chrf["change"] < 0 and chrf["documents"] == 2 and 0 < chrf["p_value"] <= 1
    assert "## Against the baseline" in (tmp_path / "worse" / "report.md").read_text()
    lenient = run("--hypotheses", str(tmp_path / "worse.jsonl"), "--out",
                  str(tmp_path / "lenient"), "--baseline", str(baseline), "--tolerance", "1000",
                  "--limit", "2")
    # --tolerance is for the scores; the trust measures keep their own half point.
    assert lenient.exit_code == 1 and "rouge2" not in lenient.stderr
    assert "oracle/attribution_coverage: 100.00 -> 0.00 (-100.00) (may worsen by 0.5)" \
        in lenient.stderr
    # A run that produced nothing fails the gate, whatever the tolerance.
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"doc_id": "nope", "strategy": "oracle", "summary": "x"}) + "\n")
    nothing = run("--hypotheses", str(empty), "--out", str(tmp_path / "nothing"),
                  "--baseline", str(baseline), "--tolerance", "1000", "--limit", "2")
    assert nothing.exit_code == 1 and "oracle/errors" in nothing.stderr
    # Different articles are not comparable at all.
    other = run("--hypotheses", str(tmp_path / "same.jsonl"), "--out", str(tmp_path / "other"),
                "--baseline", str(baseline), "--limit", "3")
    assert other.exit_code == 3 and "eval_set.limit=2, this run with 3" in other.stderr
    assert not (tmp_path / "other").exists()  # refused before anything was run or scored


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
    import math

    from eval.report import TRANSLATION_CHART, bar_values

    run = {"corpus": {"numbers_preserved": {"value": 97.5}}}
    values = bar_values(run, TRANSLATION_CHART)
    assert values[0] == 97.5 and all(math.isnan(v) for v in values[1:])


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
    cli = subprocess.run([sys.executable, "-m", "sacrebleu", "ref0", "ref1", "-i", "base",
                          "current", "--paired-bs", "-m", "bleu", "chrf", "ter",
                          "--chrf-word-order", "2", "-f", "text"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "SACREBLEU_SEED": "12345"})
    assert cli.returncode == 0, cli.stderr
    printed = [float(p) for p in re.findall(r"\(p = ([0-9.]+)\)", cli.stdout)]
    assert printed == [round(ours[m].p_value, 4) for m in ("bleu", "chrf", "ter")]
    assert ours["chrf"].p_value < 0.05 and ours["chrf"].change > 0


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
