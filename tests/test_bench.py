"""A short `ringkas bench` run on tiny shapes: the benchmark itself works end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main


@pytest.mark.timeout(900)  # four child processes; slow on a loaded 2-core box
def test_bench_smoke_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "bench", "--shapes", "tiny", "--quick", "--backends", "a,c", "--clients", "1,2",
        "--translate-tokens", "4", "--out", str(out), "--work", str(tmp_path / "models")])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "bench.json").read_text())
    assert set(report["results"]) == {"a", "c"}
    for key, r in report["results"].items():
        assert r["output_tokens_per_s"] > 0 and r["translate_latency_s"] > 0
        assert 0 < r["summarize_p50_s"] <= r["summarize_p95_s"]
        assert set(r["throughput"]) == {"1", "2"}
        assert all(t["requests_per_s"] > 0 for t in r["throughput"].values())
        assert r["peak_rss_mb"] >= r["rss_after_load_mb"] > 0
        assert {m["role"] for m in r["models"]} == {"translate_id_en", "translate_en_id",
                                                    "summarize"}
        assert {m["backend"] for m in r["models"]} == {
            "a": {"transformers"}, "c": {"ctranslate2"}}[key]
    assert {m["compute_type"] for m in report["results"]["c"]["models"]} == {"int8"}
    assert report["ratios"]["a"]["translate_speedup"] == 1.0
    assert report["ratios"]["c"]["translate_speedup"] > 0
    assert len(report["targets"]) == 4
    table = (out / "bench.md").read_text()
    assert "CTranslate2 int8 batched" in table and "summarise request p50" in table
    assert table in result.output
