"""`ringkas bench`: a short run on tiny shapes works end to end, its shapes are the published
ones, and it refuses a busy machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.bench import run as bench_run
from service.bench.shapes import PUBLISHED, SUMMARISERS, TINY, build, corpus_lines
from service.cli import main
from service.published import load


@pytest.mark.timeout(900)  # two child processes; slow on a loaded 2-core box
def test_bench_smoke_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # --force: the test machine may be busy; the refusal itself is tested below.
    result = CliRunner().invoke(main, [
        "bench", "--shapes", "tiny", "--quick", "--backends", "c,b", "--clients", "1,2",
        "--translate-tokens", "4", "--out", str(out), "--work", str(tmp_path / "models"),
        "--force"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "bench.json").read_text())
    assert set(report["results"]) == {"b", "c"}
    assert len(report["load_average_before"]) == 3 and len(report["load_average_after"]) == 3
    assert report["commit"]
    for key, r in report["results"].items():
        tr = r["translate"]["service"]
        assert r["translate"]["tokens_per_sentence"] == 4
        assert tr["wall_s"] > 0 and tr["cpu_s"] > 0 and tr["output_tokens"] == (
            r["translate"]["pieces"] * 4)
        for label, tokens in (("full", 141), ("typical", 75)):
            s = r["summarize"][label]
            assert s["summary_tokens"] == tokens and len(s["runs_wall_s"]) == 3
            assert 0 < s["p50_s"] <= s["p95_s"]
            assert s["cpu_s_per_1k_tokens"] > 0 and "summarize" in s["stage_ms"]
        assert set(r["throughput"]) == {"1", "2"}
        assert all(t["requests_per_s"] > 0 and t["cpu_s_per_request"] > 0
                   for t in r["throughput"].values())
        assert r["peak_rss_mb"] >= r["rss_after_load_mb"] > 0
        assert {m["role"] for m in r["models"]} == {"translate_id_en", "translate_en_id",
                                                    "summarize"}
        assert {m["backend"] for m in r["models"]} == {
            "b": {"transformers"}, "c": {"ctranslate2"}}[key]
    c = report["results"]["c"]
    assert {m["compute_type"] for m in c["models"]} == {"int8"}
    # The CTranslate2 child serves without torch; its engine ceiling was measured alike.
    assert c["torch_imported"] is False and report["results"]["b"]["torch_imported"] is True
    assert c["translate"]["engine"]["output_tokens"] == c["translate"]["service"][
        "output_tokens"]
    assert c["translate"]["service_vs_engine_wall"] > 0
    assert "engine" not in report["results"]["b"]["translate"]
    rep = c["repeats"]
    # Measured against the cold case of the same run: the repeat is answered whole, the
    # updated article pays for its two new sentences only.
    assert rep["identical"]["p50_s"] < rep["cold"]["summary"]["wall_s"]
    assert rep["updated_translate"]["translation_memory"]["misses"] == 2
    assert rep["updated_translate"]["translation_memory"]["hits"] > 2
    assert 0 < rep["ratios_cpu"]["updated_translate"] < 1
    assert 0 < rep["ratios_cpu"]["desk"] < 1
    st = rep["stream"]
    assert 0 < st["first_event_s"] < st["first_translation_s"] < st["result_s"]
    assert report["results"]["b"]["repeats"] is not None
    names = [t["target"] for t in report["targets"]]
    assert len(names) == 13 and any("1.15x" in n for n in names)
    assert any("identical repeat" in n for n in names)
    table = (out / "bench.md").read_text()
    assert "raw translate_batch" in table and "load average" in table
    assert "Repeated and updated work" in table
    assert table in result.output


def test_a_childs_peak_rss_is_its_own() -> None:
    """A child of a process with a big footprint (the benchmark's parent, after building
    the models) reports its own peak, not the parent's."""
    import subprocess
    import sys

    ballast = bytearray(400 * 1024 * 1024)  # resident: bytearray writes its zeros
    out = subprocess.run([sys.executable, "-c", "from service.bench.child import peak_rss_mb;"
                          "print(peak_rss_mb())"], capture_output=True, text=True, check=True,
                         timeout=120)
    del ballast
    assert 0 < float(out.stdout) < 200


def test_bench_refuses_a_busy_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cores = len(bench_run.os.sched_getaffinity(0))
    monkeypatch.setattr(bench_run.os, "getloadavg", lambda: (0.6 * cores, 0.1, 0.1))
    result = CliRunner().invoke(main, ["bench", "--shapes", "tiny", "--quick", "--out",
                                       str(tmp_path / "out"), "--work", str(tmp_path / "m")])
    assert result.exit_code != 0
    assert "load average" in result.output and "--force" in result.output
    assert not (tmp_path / "m").exists()  # refused before building anything
    with pytest.raises(bench_run.MachineBusy) as refused:
        bench_run.check_load(False, print)
    assert refused.value.code == "machine_busy"  # its own code, not internal_error
    monkeypatch.setattr(bench_run.os, "getloadavg", lambda: (0.4 * cores, 0.1, 0.1))
    assert bench_run.check_load(False, print)[0] == pytest.approx(0.4 * cores)


def test_bench_shapes_are_the_published_configs() -> None:
    for shape in PUBLISHED:
        assert shape.config() == load(shape.role).config
    base = load("summarize").config
    for name, shape in SUMMARISERS.items():
        changed = {k for k, v in shape.config().items() if base.get(k) != v}
        assert changed == {"12-6": set(), "12-3": {"decoder_layers"},
                           "6-6": {"encoder_layers", "num_hidden_layers"}}[name]


def test_bench_models_keep_the_published_special_tokens(tmp_path: Path) -> None:
    lines = corpus_lines()
    marian = build(TINY[0], tmp_path / "m", lines)
    vocab = json.loads((marian / "vocab.json").read_text())
    config = json.loads((marian / "config.json").read_text())
    gen = json.loads((marian / "generation_config.json").read_text())
    pad = len(vocab) - 1
    assert vocab["</s>"] == 0 and vocab["<unk>"] == 1 and vocab["<pad>"] == pad
    assert config["pad_token_id"] == config["decoder_start_token_id"] == pad
    assert gen["num_beams"] == load("translate_id_en").generation_config["num_beams"]
    assert gen["bad_words_ids"] == [[pad]]
    bart = build(TINY[2], tmp_path / "b", lines)
    vocab = json.loads((bart / "vocab.json").read_text())
    config = json.loads((bart / "config.json").read_text())
    assert [vocab[t] for t in ("<s>", "<pad>", "</s>", "<unk>")] == [0, 1, 2, 3]
    assert vocab["<mask>"] == config["vocab_size"] == len(vocab) - 1  # one past, as published
    assert not (bart / "generation_config.json").exists()  # distilbart's repository has none
    assert config["num_beams"] == 4 and config["max_length"] == 142


@pytest.mark.timeout(900)
def test_a_summariser_can_be_timed_at_another_beam(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "bench", "--shapes", "tiny", "--quick", "--backends", "c", "--clients", "1",
        "--summarisers", "12-6,12-6@2", "--translate-tokens", "4", "--out", str(out),
        "--work", str(tmp_path / "models"), "--force"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "bench.json").read_text())
    assert set(report["results"]) == {"c", "c:12-6@2"}

    def beams(key: str) -> int:
        (summariser,) = [m for m in report["results"][key]["models"]
                         if m["role"] == "summarize"]
        return int(summariser["decoding"]["num_beams"])

    assert beams("c:12-6@2") == 2 and beams("c") != 2
    assert "distilbart-cnn-12-6 at beam 2" in (out / "bench.md").read_text()


@pytest.mark.parametrize("bad", ["12-6@x", "12-6@0", "7-7", "12-6@"])
def test_an_unknown_summariser_variant_is_refused(bad: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["bench", "--shapes", "tiny", "--summarisers", bad,
                                       "--out", str(tmp_path), "--force"])
    assert result.exit_code == 2 and "--summarisers" in result.output


def test_a_quality_figure_is_given_only_where_one_is_published() -> None:
    from service.bench.run import published_quality

    assert published_quality("12-6") == published_quality("12-6@4") == "21.26 / 30.59"
    assert published_quality("12-6@2") == published_quality("12-6@3") == "as beam 4 (ROUGE-2 21.26)"
    assert published_quality("12-3@3") == "as beam 4 (ROUGE-2 20.57)"
    # Nothing published covers a beam below the author's, nor one above the card's 4.
    assert published_quality("12-3@2") == published_quality("12-6@8") == "not published"


def test_a_ratio_over_an_unmeasurably_short_run_is_none() -> None:
    """A tiny model's raw engine run can take less CPU than a clock can show: its ratio is
    missing from the report, not a ZeroDivisionError that loses the whole run."""
    from service.bench.timing import cpu_s as _cpu_s
    from service.bench.timing import ratio as _ratio

    assert _ratio(1.0, 0.0) is None
    assert _ratio(3.0, 2.0) == 1.5
    start = _cpu_s()
    while _cpu_s() == start:  # a clock of ticks (os.times: 10 ms) stays still far longer
        pass
    assert 0 < _cpu_s() - start < 0.005


def test_the_updated_article_changes_one_sentence_and_adds_one(seed_text: str) -> None:
    from service.bench.repeats import ADDED_SENTENCE, updated_article
    from service.text.clean import clean_article
    from service.text.segment import split_sentences

    before = split_sentences(clean_article(seed_text).body, "id")
    after = split_sentences(clean_article(updated_article(seed_text, before)).body, "id")
    assert len(after) == len(before) + 1 and ADDED_SENTENCE in after
    assert len(set(after) - set(before)) == 2 and len(set(before) - set(after)) == 1
