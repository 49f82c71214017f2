"""``ringkas eval --task fidelity``: the fidelity check scored on planted errors, with no
model, its report section and its gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import eval.fidelity as scoring
from eval import dataset
from eval.fidelity import VARIANTS, evaluate, load_planted
from service.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["eval", "--quiet", "--task", "fidelity", *args])


def test_the_planted_set_has_each_kind_on_ntrex_documents() -> None:
    planted = load_planted()
    ntrex = {d.doc_id for d in dataset.ntrex_documents()}
    assert len(planted.documents) == 10 and {d.doc_id for d in planted.documents} <= ntrex
    counts = {k: 0 for k in planted.kinds}
    for doc in planted.documents:
        for p in doc.planted:
            counts[p.kind] += 1
            assert p.text != doc.digest  # one change, so a different text
    assert sum(counts.values()) == 64 and min(counts.values()) >= 4


def _scored_with(monkeypatch: pytest.MonkeyPatch,
                 check: Any) -> dict[str, dict[str, Any]]:
    monkeypatch.setattr(scoring, "findings", check)
    return evaluate(limit=2)


def test_a_check_finding_each_change_catches_all_with_no_false_alarm(
        monkeypatch: pytest.MonkeyPatch) -> None:
    digests = {d.digest for d in load_planted().documents}
    runs = _scored_with(monkeypatch, lambda text, sources: (
        set() if text in digests else {("claim", "x", text, "")}))
    for variant in VARIANTS:
        run = runs[f"planted errors ({variant})"]
        assert run["corpus"]["recall_all"]["value"] == 100.0
        assert run["corpus"]["false_alarms_per_digest"]["value"] == 0.0
        assert run["documents"] == 2 and run["missed"] == []


def test_a_check_that_always_finds_the_same_catches_nothing_and_alarms(
        monkeypatch: pytest.MonkeyPatch) -> None:
    runs = _scored_with(monkeypatch, lambda text, sources: {("claim", "x", "same", "")})
    run = runs["planted errors (with English)"]
    assert run["corpus"]["recall_all"]["value"] == 0.0
    assert run["corpus"]["false_alarms_per_digest"]["value"] == 1.0
    planted = sum(len(d.planted) for d in load_planted().documents[:2])
    assert run["counts"] == {"planted": planted, "caught": 0, "false_alarms": 2}
    assert len(run["missed"]) == planted


@pytest.fixture(scope="module")
def fidelity_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fidelity")
    result = run("--limit", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_the_task_needs_no_model_and_writes_its_section(fidelity_report: Path) -> None:
    report = json.loads((fidelity_report / "report.json").read_text(encoding="utf-8"))
    assert report["summaries"] == {} and report["translation"] == {}
    assert set(report["fidelity"]) == {f"planted errors ({v})" for v in VARIANTS}
    for run_ in report["fidelity"].values():
        assert run_["documents"] == 3 and run_["cost_ms_per_check"] > 0
        assert all(0 <= s["value"] <= 100 for m, s in run_["corpus"].items()
                   if m.startswith("recall_"))
    markdown = (fidelity_report / "report.md").read_text(encoding="utf-8")
    assert "## Fidelity check (planted errors in NTREX-128 digests)" in markdown
    assert "| planted errors (with English) |" in markdown
    assert (fidelity_report / "report.png").stat().st_size > 0


def test_the_gate_fails_when_recall_drops(fidelity_report: Path, tmp_path: Path) -> None:
    saved = json.loads((fidelity_report / "report.json").read_text(encoding="utf-8"))
    same = run("--limit", "3", "--out", str(tmp_path / "same"), "--baseline",
               str(fidelity_report / "report.json"))
    assert same.exit_code == 0, same.output
    # A baseline that caught more than this run can: the run is a regression.
    better = saved["fidelity"]["planted errors (without English)"]["corpus"]["recall_all"]
    better["value"] += 25.0  # beyond any tolerance, whatever this run caught
    baseline = tmp_path / "better.json"
    baseline.write_text(json.dumps(saved), encoding="utf-8")
    worse = run("--limit", "3", "--out", str(tmp_path / "worse"), "--baseline", str(baseline))
    assert worse.exit_code == 1
    assert "fidelity/planted errors (without English)/recall_all" in worse.stderr
