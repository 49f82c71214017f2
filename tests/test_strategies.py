"""Every strategy by name through API and CLI, on tiny models of the real architectures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from service.api import create_app
from service.cli import main
from service.config import ConfigError, Settings
from service.engine.hf import HFSeq2SeqEngine
from service.models import LOCAL_REVISION
from service.pipeline.strategies import STRATEGIES, roles_for

ALL = ("translate-summarise", "summarise-translate", "direct", "instruct", "extractive")
SHORT_ARTICLE = ("Jakarta (ANTARA) - Kementerian Perindustrian memperkuat pemulihan sentra IKM "
                 "alas kaki. Sebanyak 14 perajin terlibat langsung dalam program tersebut. "
                 "Nilai investasi mencapai lebih dari Rp18 triliun.")


@pytest.fixture(scope="module")
def client(tiny_dir: Path) -> FlaskClient:
    settings = Settings.from_env(env={}, models_dir=str(tiny_dir)).changed(strategies=ALL)
    return create_app(settings).test_client()


def test_registry_names_and_roles() -> None:
    assert set(STRATEGIES) == set(ALL)
    assert roles_for(["direct"]) == ["crosssum", "translate_en_id"]
    assert roles_for(["summarise-translate"]) == ["summarize_id", "translate_id_en",
                                                  "translate_en_id"]


@pytest.mark.parametrize(("strategy", "roles"), [
    ("translate-summarise", ["translate_id_en", "summarize", "translate_en_id"]),
    ("summarise-translate", ["summarize_id", "translate_id_en"]),  # id summary is its own
    ("direct", ["crosssum", "translate_en_id"]),
    ("instruct", ["instruct", "translate_en_id"]),
    ("extractive", ["translate_id_en"]),
])
def test_each_strategy_through_the_api(client: FlaskClient, strategy: str,
                                       roles: list[str]) -> None:
    resp = client.post("/v1/summarize", json={"text": SHORT_ARTICLE, "strategy": strategy,
                                              "languages": ["en", "id"], "length": 2})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["strategy"] == strategy
    assert [m["role"] for m in body["models"]] == roles
    assert body["summary"]["en"] and body["summary"]["id"]
    assert (body["prompt"] is not None) == (strategy == "instruct")
    assert set(body["fidelity"]) >= {"checked", "unsupported", "unsupported_numeric_rate"}


def test_instruct_names_its_prompt_and_version(client: FlaskClient) -> None:
    latest = client.post("/v1/summarize", json={"text": SHORT_ARTICLE, "strategy": "instruct"})
    assert latest.get_json()["prompt"] == {"name": "summarize-en", "version": 2}
    pinned = client.post("/v1/summarize", json={"text": SHORT_ARTICLE, "strategy": "instruct",
                                                "prompt": "summarize-en@v1"})
    assert pinned.get_json()["prompt"] == {"name": "summarize-en", "version": 1}


@pytest.mark.parametrize(("prompt", "code"), [("nope", "unknown_prompt"),
                                              ("summarize-en@v9", "unknown_prompt"),
                                              ("Bad Name!", "invalid_prompt"),
                                              (3, "invalid_prompt")])
def test_bad_prompt_is_422(client: FlaskClient, prompt: object, code: str) -> None:
    resp = client.post("/v1/summarize", json={"text": SHORT_ARTICLE, "strategy": "instruct",
                                              "prompt": prompt})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == code


def test_instruct_input_is_the_rendered_prompt(tiny_dir: Path) -> None:
    from service.pipeline import Pipeline
    from service.pipeline.requests import Length, SummarizeRequest
    from tests.conftest import RecordingEngine

    engine = RecordingEngine(HFSeq2SeqEngine.from_pretrained("instruct",
                                                              str(tiny_dir / "instruct")))
    req = SummarizeRequest(text=SHORT_ARTICLE, strategy="instruct", length=Length.parse(3),
                           prompt="summarize-en@v1")
    Pipeline({"instruct": engine}).summarize(req)
    (sent,) = engine.calls[-1][0]
    assert sent.startswith("Summarize the following Indonesian news article in English, in 3 "
                           "sentences.")
    assert "Sebanyak 14 perajin terlibat langsung" in sent


def test_only_enabled_strategies_are_served(tiny_dir: Path) -> None:
    app = create_app(Settings.from_env(env={}, models_dir=str(tiny_dir)))
    client = app.test_client()
    assert client.get("/v1/models").get_json()["strategies"] == ["translate-summarise",
                                                                 "extractive"]
    resp = client.post("/v1/summarize", json={"text": SHORT_ARTICLE, "strategy": "direct"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "unknown_strategy"
    loaded = {m["role"] for m in client.get("/v1/models").get_json()["models"] if m["loaded"]}
    assert loaded == {"translate_id_en", "summarize", "translate_en_id"}


def test_unknown_strategy_in_settings_fails_fast(tiny_dir: Path) -> None:
    with pytest.raises(ConfigError):
        create_app(Settings.from_env({"RINGKAS_STRATEGIES": "extractive,magic"},
                                     models_dir=str(tiny_dir)))


@pytest.mark.parametrize("strategy", ["direct", "summarise-translate", "instruct"])
def test_strategy_from_the_cli(tiny_dir: Path, tmp_path: Path, strategy: str) -> None:
    article = tmp_path / "a.txt"
    article.write_text(SHORT_ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(main, ["summarize", str(article), "--models", str(tiny_dir),
                                       "--strategy", strategy, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["strategy"] == strategy


def test_crosssum_starts_decoding_with_the_target_language(tiny_dir: Path,
                                                          tmp_path: Path) -> None:
    path = shutil.copytree(tiny_dir / "crosssum", tmp_path / "crosssum")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    # Whatever the checkpoint's own start token (here <pad>), the role writes English.
    config["decoder_start_token_id"] = 0
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    plain = HFSeq2SeqEngine.from_pretrained("test", str(path), LOCAL_REVISION)
    english = HFSeq2SeqEngine.from_pretrained("crosssum", str(path), LOCAL_REVISION)
    assert plain.generation_config.decoder_start_token_id == 0
    start = english.tokenizer.convert_tokens_to_ids("▁<extra_id_69>")
    assert english.generation_config.decoder_start_token_id == start != 0
    assert start in english.generation_config.suppress_tokens


@pytest.mark.parametrize("strategy", ["direct", "summarise-translate", "instruct"])
def test_no_mt5_sentinel_reaches_a_summary(tiny_dir: Path, seed_text: str,
                                           strategy: str) -> None:
    """Sentinels mark a pretraining gap, never text: on random weights they are as likely as
    any piece, so the seed's summary shows whether every one of them is masked."""
    settings = Settings.from_env(env={}, models_dir=str(tiny_dir)).changed(
        strategies=(strategy,))
    app = create_app(settings)
    body = app.test_client().post("/v1/summarize", json={
        "text": seed_text, "strategy": strategy, "languages": ["en", "id"]}).get_json()
    assert "extra_id" not in json.dumps(body["summary"]), body["summary"]
    models = app.test_client().get("/v1/models").get_json()["models"]
    for m in models:
        if m["loaded"] and m["role"] in ("crosssum", "summarize_id", "instruct"):
            suppressed = set(m["loaded"]["decoding"]["suppressed"])
            assert {f"▁<extra_id_{n}>" for n in range(100)} <= suppressed, m["role"]
