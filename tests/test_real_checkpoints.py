"""Defects that only the published checkpoints' real layout shows, on faithful stand-ins,
and the parity check (`ringkas models check`) users run after downloading real weights."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.engine import Engine, GenerationParams
from service.engine.convert import ConvertedMeta, convert
from service.engine.ct2 import CT2Seq2SeqEngine
from service.engine.hf import HFSeq2SeqEngine
from service.engine.parity import check_parity
from service.errors import EngineError
from service.models import LOCAL_REVISION, ROLES, ModelSpec
from service.pipeline import Pipeline
from service.pipeline.budget import token_budget, trained_range
from service.pipeline.requests import Length, SummarizeRequest
from tests.conftest import RecordingEngine

MT5_ROLES = ("summarize_id", "crosssum", "instruct")
ARTICLE = ("Kementerian Perindustrian memperkuat upaya pemulihan sentra IKM alas kaki di "
           "Ciomas. Nilai investasi mencapai lebih dari Rp18 triliun. Sebanyak 14 perajin "
           "terlibat langsung dalam program tersebut.")


@pytest.fixture(scope="module")
def float32_dir(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every role's stand-in converted to CTranslate2 float32 (exact arithmetic)."""
    out = tmp_path_factory.mktemp("ct2-f32")
    for role in ROLES:
        convert(ModelSpec(role, str(tiny_dir / role), LOCAL_REVISION), out / role, "float32")
    return out


def _pair(tiny_dir: Path, float32_dir: Path, role: str) -> tuple[HFSeq2SeqEngine,
                                                                 CT2Seq2SeqEngine]:
    return (HFSeq2SeqEngine.from_pretrained(role, str(tiny_dir / role), LOCAL_REVISION),
            CT2Seq2SeqEngine.from_dir(role, float32_dir / role, compute_type="float32"))


# --- 1. CTranslate2 must not rescale mT5's output logits ---------------------------------

@pytest.mark.parametrize("role", list(ROLES))
def test_teacher_forced_logprobs_agree(tiny_dir: Path, float32_dir: Path, role: str) -> None:
    hf, ct2 = _pair(tiny_dir, float32_dir, role)
    result = check_parity(role, hf, ct2)
    # Before the fix every mT5 role was off by whole nats per token (logits x d_model^-0.5).
    assert result.max_logprob_diff <= 1e-3, result
    assert result.greedy_identical == result.sentences, result
    assert result.ok


@pytest.mark.parametrize("role", ["translate_id_en", *MT5_ROLES])
def test_beam_outputs_agree(tiny_dir: Path, float32_dir: Path, role: str) -> None:
    """transformers renormalises scores after its masks (no-repeat, language tokens) as
    CTranslate2 does; before, their beam searches ranked hypotheses differently (XL-Sum's
    stand-in: 1 of 4 beam-4 outputs identical, CrossSum's 2 of 4)."""
    hf, ct2 = _pair(tiny_dir, float32_dir, role)
    result = check_parity(role, hf, ct2)
    assert result.beam_identical == result.sentences, result


# --- 2. Length budgets inside each summariser's trained range ----------------------------

def test_budgets_follow_each_summarisers_own_range(engines: Mapping[str, Engine]) -> None:
    assert trained_range(engines["summarize"]) == (55, 141)  # distilbart's 56/142 config
    assert token_budget(4, trained_range(engines["summarize"])) == (55, 141)
    for role in MT5_ROLES:
        lo_own, hi_own = trained_range(engines[role])
        assert hi_own == 83  # max_length 84: the length XL-Sum and CrossSum trained on
        for sentences in [*Length.PRESETS.values(), 1, 20]:
            lo, hi = token_budget(sentences, (lo_own, hi_own))
            assert 0 <= lo <= hi <= 83, (role, sentences)


def test_docs_budget_table_is_what_the_code_computes(engines: Mapping[str, Engine]) -> None:
    api = (Path(__file__).parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    start = api.index("| role (default model) | trained range (new tokens) |")
    rows = api[start:].split("\n\n")[0].splitlines()[2:]
    assert len(rows) == 3
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        roles = [r.strip("` ") for r in cells[0].split("(")[0].split(",")]
        for role in roles:
            trained = trained_range(engines[role])
            assert cells[1] == "{}–{}".format(*trained), role
            for cell, sentences in zip(cells[2:], Length.PRESETS.values(), strict=True):
                assert cell == "{}–{}".format(*token_budget(sentences, trained)), (role, cell)


def test_direct_summary_asks_crosssum_for_its_own_budget(engines: Mapping[str, Engine]) -> None:
    wrapped = dict(engines)
    crosssum = wrapped["crosssum"] = RecordingEngine(engines["crosssum"])
    for length in ("short", "medium", "long"):
        Pipeline(wrapped).summarize(SummarizeRequest(text=ARTICLE, strategy="direct",
                                                     length=Length.parse(length)))
    params = [p for _, p in crosssum.calls]
    assert params and all(p is not None and p.max_new_tokens is not None and
                          p.max_new_tokens <= 83 for p in params)
    # A length preset's minimum must fit the model: 20/56/100 new tokens on an 84-token
    # model would force the decoder past its own end.
    assert all(p is not None and (p.min_new_tokens or 0) <= 0 for p in params)


# --- 3. CrossSum's language token never reaches the text ---------------------------------

def test_direct_summary_has_no_language_token(tiny_dir: Path, tmp_path: Path) -> None:
    """transformers 5 loads CrossSum's language pieces as ordinary pieces (see
    test_published), so the start token came back as "<extra_id_69> …" before."""
    path = tiny_dir / "crosssum"
    hf = HFSeq2SeqEngine.from_pretrained("crosssum", str(path), LOCAL_REVISION)
    ct2 = CT2Seq2SeqEngine.from_dir("crosssum", convert(
        ModelSpec("crosssum", str(path), LOCAL_REVISION), tmp_path / "ct2", "float32"),
        compute_type="float32")
    languages = load_languages(path)
    texts = [ARTICLE, "Menteri Perindustrian hadir.", "Nilainya Rp18 triliun."]
    for engine in (hf, ct2):
        assert engine.info.decoding is not None
        assert engine.info.decoding.start_token == "▁<extra_id_69>"
        for params in (GenerationParams(num_beams=1, min_new_tokens=30, max_new_tokens=30),
                       GenerationParams(num_beams=4, max_new_tokens=30)):
            for out in engine.generate(texts, params):
                leaked = [p for p in languages if p.lstrip("▁") in out]
                assert not leaked, (engine.info.backend, out)
    greedy = GenerationParams(num_beams=1, min_new_tokens=20, max_new_tokens=20)
    assert hf.generate(texts, greedy) == ct2.generate(texts, greedy)


def load_languages(path: Path) -> list[str]:
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    return [entry[1] for entry in config["task_specific_params"]["langid_map"].values()]


# --- 4. A missing language token fails at load -------------------------------------------

@pytest.mark.parametrize("change", ["piece", "language", "map"])
def test_missing_language_token_fails_at_load(tiny_dir: Path, tmp_path: Path,
                                              change: str) -> None:
    path = shutil.copytree(tiny_dir / "crosssum", tmp_path / "crosssum")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    if change == "piece":
        config["task_specific_params"]["langid_map"]["english"] = [30, "▁<no_such_piece>"]
    elif change == "language":
        del config["task_specific_params"]["langid_map"]["english"]
    else:
        del config["task_specific_params"]
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(EngineError) as err:
        HFSeq2SeqEngine.from_pretrained("crosssum", str(path), LOCAL_REVISION)
    message = str(err.value)
    assert "crosssum" in message and "langid_map" in message
    if change == "piece":
        assert "▁<no_such_piece>" in message
    with pytest.raises(EngineError):  # conversion applies the same policy
        convert(ModelSpec("crosssum", str(path), LOCAL_REVISION), tmp_path / "ct2")


# --- 5. distilbart's decoding lives in config.json: both backends must use it -----------

def test_distilbart_config_decoding_reaches_both_backends(tiny_dir: Path,
                                                          float32_dir: Path) -> None:
    assert not (tiny_dir / "summarize" / "generation_config.json").exists()
    hf, ct2 = _pair(tiny_dir, float32_dir, "summarize")
    for engine in (hf, ct2):
        decoding = engine.info.decoding
        assert decoding is not None
        assert (decoding.num_beams, decoding.length_penalty, decoding.no_repeat_ngram_size,
                decoding.min_new_tokens, decoding.max_new_tokens) == (4, 2.0, 3, 55, 141)
        assert decoding.forced_bos_token == "<s>" and decoding.start_token == "</s>"
    assert hf.generation_config.early_stopping is True


# --- 6. convert ID@REV offline reads that revision, config included ----------------------

def _fake_cache(tiny_dir: Path, cache: Path, repo: str, commit: str) -> None:
    """A Hugging Face cache holding one pinned snapshot of ``repo`` and no ``main``."""
    folder = cache / ("models--" + repo.replace("/", "--"))
    shutil.copytree(tiny_dir / "translate_id_en", folder / "snapshots" / commit)
    (folder / "refs").mkdir()
    (folder / "refs" / "v1").write_text(commit)


@pytest.mark.parametrize("pin", ["commit", "tag"])
def test_convert_pinned_revision_offline(tiny_dir: Path, tmp_path: Path, pin: str) -> None:
    repo, commit = "ringkas-test/opus-mt-id-en", "0123456789abcdef0123456789abcdef01234567"
    _fake_cache(tiny_dir, tmp_path / "hub", repo, commit)
    revision = commit if pin == "commit" else "v1"  # a tag resolves to its commit
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1",
           "RINGKAS_MODEL_TRANSLATE_ID_EN": f"{repo}@{revision}"}
    out = tmp_path / "ct2"
    done = subprocess.run([sys.executable, "-m", "service", "models", "convert", str(out),
                           "--role", "translate_id_en", "--compute-type", "float32"],
                          env=env, capture_output=True, text=True, timeout=300)
    # The conversion must read the cached revision's config, not `main`'s (not cached).
    assert done.returncode == 0, done.stdout + done.stderr
    meta = ConvertedMeta.read(out / "translate_id_en")
    assert (meta.source, meta.revision, meta.commit) == (repo, revision, commit)
    assert meta.parity is not None and meta.parity["ok"] is True
    assert "parity: ok" in done.stdout


# --- 7. Decoding defaults are the model cards' -------------------------------------------

def test_decoding_defaults_follow_the_model_cards(engines: Mapping[str, Engine]) -> None:
    expected = {"translate_id_en": (6, 0), "translate_en_id": (4, 0), "summarize": (4, 3),
                "summarize_id": (4, 2), "crosssum": (4, 2), "instruct": (1, 0)}
    for role, (beams, no_repeat) in expected.items():
        decoding = engines[role].info.decoding
        assert decoding is not None
        assert (decoding.num_beams, decoding.no_repeat_ngram_size) == (beams, no_repeat), role


def test_repetition_guard_stays_configurable(tiny_dir: Path) -> None:
    from service.engine.options import Decoding

    engine = HFSeq2SeqEngine.from_pretrained("translate_id_en", str(tiny_dir / "translate_id_en"),
                                             LOCAL_REVISION,
                                             decoding=Decoding(no_repeat_ngram_size=4))
    assert engine.generation_config.no_repeat_ngram_size == 4
    assert engine.info.decoding is not None and engine.info.decoding.no_repeat_ngram_size == 4


# --- the parity check users run ----------------------------------------------------------

def test_models_check_passes_on_every_architecture(float32_dir: Path) -> None:
    """Marian, BART and mT5 (three roles), greedy and beam 4, against their sources."""
    result = CliRunner().invoke(main, ["models", "check", "--models", str(float32_dir),
                                       "--role", "translate_id_en", "--role", "summarize",
                                       "--role", "summarize_id", "--role", "crosssum",
                                       "--role", "instruct"],
                                env={"RINGKAS_BACKEND": "ctranslate2"})
    assert result.exit_code == 0, result.output
    assert result.output.count("parity: ok") == 5
    assert result.output.count("greedy (16 tokens): 4/4 identical") == 5
    assert result.output.count("beam 4: ") == 5
    assert "start='▁<extra_id_69>'" in result.output  # CrossSum's start token shown


def test_models_check_on_transformers_shows_settings(tiny_dir: Path) -> None:
    result = CliRunner().invoke(main, ["models", "check", "--models", str(tiny_dir),
                                       "--role", "summarize"],
                                env={"RINGKAS_BACKEND": "transformers"})
    assert result.exit_code == 0, result.output
    assert "beams=4 length_penalty=2 no_repeat=3 new_tokens=55..141" in result.output
    assert "nothing to compare" in result.output


def test_models_check_catches_the_output_scale_defect(tiny_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A conversion with CTranslate2's own T5 handling (decoder output scaled) fails the
    check that `models convert` runs, and `models check` says so."""
    from ctranslate2.converters import TransformersConverter

    import service.engine.convert as convert_module

    monkeypatch.setattr(convert_module, "_converter", TransformersConverter)
    out = tmp_path / "ct2"
    converted = CliRunner().invoke(main, ["models", "convert", str(out), "--models",
                                          str(tiny_dir), "--role", "summarize_id",
                                          "--compute-type", "float32"])
    assert converted.exit_code == 1, converted.output
    assert "parity: MISMATCH" in converted.output
    meta = ConvertedMeta.read(out / "summarize_id")
    assert meta.parity is not None and meta.parity["ok"] is False
    checked = CliRunner().invoke(main, ["models", "check", "--models", str(out), "--role",
                                        "summarize_id"], env={"RINGKAS_BACKEND": "ctranslate2"})
    assert checked.exit_code == 1 and "parity MISMATCH: summarize_id" in checked.output


def test_effective_decoding_in_the_load_log(tiny_dir: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from service.engine.loading import load_engines
    from service.models import resolve_specs

    specs = resolve_specs(models_dir=tiny_dir, env={})
    with caplog.at_level(logging.INFO, logger="service.engine.loading"):
        load_engines({"crosssum": specs["crosssum"]})
    [line] = [r.getMessage() for r in caplog.records if "role=crosssum" in r.getMessage()]
    assert "beams=4 length_penalty=0.6 no_repeat=2 new_tokens=0..83" in line
    assert "start='▁<extra_id_69>' window=512" in line


def test_effective_decoding_in_models_endpoint(settings: object,
                                               engines: Mapping[str, Engine]) -> None:
    from service.api import create_app

    body = create_app(settings, engines=engines).test_client().get("/v1/models").get_json()
    loaded = {m["role"]: m["loaded"] for m in body["models"] if m["loaded"]}
    crosssum = loaded["crosssum"]["decoding"]
    assert crosssum["start_token"] == "▁<extra_id_69>" and crosssum["num_beams"] == 4
    # The 100 sentinels (the 45 language pieces among them) and the 12 padding rows past
    # the tokenizer's vocabulary, as CTranslate2 names them.
    assert len(crosssum["suppressed"]) == 112 and "<extra_id_11>" in crosssum["suppressed"]
    assert loaded["summarize"]["decoding"]["max_new_tokens"] == 141


def test_models_check_on_a_directory_of_models_not_yet_converted(tiny_dir: Path) -> None:
    """The directory holds transformers models; the check converts (or finds the cached
    conversion) and compares it with them, reading the conversion's own vocabulary."""
    result = CliRunner().invoke(main, ["models", "check", "--models", str(tiny_dir),
                                       "--role", "translate_id_en"])
    assert result.exit_code == 0, result.output
    assert "parity: ok" in result.output


def test_models_check_shows_the_check_that_sent_a_role_to_transformers(
        tiny_dir: Path, ct2_cache: Path, tmp_path: Path) -> None:
    """A cached conversion that failed its check leaves the role on transformers, and the
    service's warning names `ringkas models check`: the check shows that failure and exits
    1, not "nothing to compare" as for a role configured for transformers."""
    from service.engine.convert import record_parity
    from service.engine.ct2_cache import ensure_converted, entry_for
    from service.models import resolve_specs

    spec = resolve_specs(models_dir=tiny_dir, env={})["translate_id_en"]
    shared = ensure_converted(spec, "int8", ct2_cache)  # the session's conversion
    assert shared.meta.parity is not None
    cache = tmp_path / "cache"
    entry = entry_for(spec, "int8", cache)
    shutil.copytree(shared.path, entry)
    record_parity(entry, {**shared.meta.parity, "max_logprob_diff": 3.25, "ok": False})
    result = CliRunner().invoke(main, ["models", "check", "--models", str(tiny_dir),
                                       "--role", "translate_id_en"],
                                env={"RINGKAS_CT2_CACHE": str(cache),
                                     "RINGKAS_BACKEND": "ctranslate2"})
    assert result.exit_code == 1, result.output
    assert "nothing to compare" not in result.output
    assert "runs on transformers" in result.output
    assert "mean |diff| per token 3.250000 nats" in result.output
    assert "parity MISMATCH: translate_id_en" in result.output

    # No conversion to be had at all: the note says why, and that is a failure too.
    shutil.rmtree(entry)
    entry.with_name(entry.name + ".failed").write_text("converting role translate_id_en to "
                                                       "CTranslate2 failed: boom")
    result = CliRunner().invoke(main, ["models", "check", "--models", str(tiny_dir),
                                       "--role", "translate_id_en"],
                                env={"RINGKAS_CT2_CACHE": str(cache),
                                     "RINGKAS_BACKEND": "ctranslate2"})
    assert result.exit_code == 1, result.output
    assert "failed: boom" in result.output and "translate_id_en" in result.output
