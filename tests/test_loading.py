"""Finding models: precedence of sources, and one clear failure naming every missing role."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from service.cli import main
from service.config import ConfigError, Settings
from service.engine import loading
from service.engine.loading import check, load_engines
from service.errors import ModelsUnavailable
from service.hub import files_to_fetch
from service.models import ROLES, ModelSpec, resolve_specs, split_ref


def test_defaults_are_the_published_models() -> None:
    specs = resolve_specs(env={})
    assert specs["translate_id_en"].model == "Helsinki-NLP/opus-mt-id-en"
    assert specs["translate_en_id"].model == "Helsinki-NLP/opus-mt-en-id"
    assert specs["summarize"].model == "sshleifer/distilbart-cnn-12-6"


def test_the_fast_preset_swaps_the_summariser_only() -> None:
    quality, fast = resolve_specs(env={}), resolve_specs(env={"RINGKAS_PRESET": "fast"})
    assert fast["summarize"].model == "sshleifer/distilbart-cnn-12-3"
    assert {r: s for r, s in fast.items() if r != "summarize"} == {
        r: s for r, s in quality.items() if r != "summarize"}
    # An explicit model still wins over the preset.
    env = {"RINGKAS_PRESET": "fast", "RINGKAS_MODEL_SUMMARIZE": "org/mine"}
    assert resolve_specs(env=env)["summarize"].model == "org/mine"
    with pytest.raises(ConfigError, match="RINGKAS_PRESET"):
        resolve_specs(env={"RINGKAS_PRESET": "fastest"})


def test_precedence_override_env_dir_default(tmp_path: Path) -> None:
    env = {"RINGKAS_MODEL_SUMMARIZE": "org/from-env", "RINGKAS_REVISION_SUMMARIZE": "abc123",
           "RINGKAS_MODEL_TRANSLATE_EN_ID": "org/env-en-id"}
    specs = resolve_specs(tmp_path, {"translate_en_id": "org/flag"}, env)
    assert specs["translate_en_id"].model == "org/flag"
    assert specs["summarize"] == ModelSpec("summarize", "org/from-env", "abc123")
    assert specs["translate_id_en"].model == str(tmp_path / "translate_id_en")
    assert specs["translate_id_en"].revision == "local"


@pytest.mark.parametrize(("ref", "expected"), [
    ("org/name", ("org/name", None)),
    ("org/name@0123abcd", ("org/name", "0123abcd")),
    ("org/name@v1.0", ("org/name", "v1.0")),
    ("org/name@", ("org/name", None)),
])
def test_split_ref(ref: str, expected: tuple[str, str | None]) -> None:
    assert split_ref(ref) == expected


def test_pinned_revision_sources() -> None:
    env = {"RINGKAS_REVISION_SUMMARIZE": "from-env"}
    assert resolve_specs(None, {"summarize": "org/x@flag"}, env)["summarize"].revision == "flag"
    assert resolve_specs(None, {"summarize": "org/x"}, env)["summarize"].revision == "from-env"
    file_pin = resolve_specs(None, None, {}, {"summarize": "org/y@file"})["summarize"]
    assert (file_pin.model, file_pin.revision) == ("org/y", "file")


def test_unknown_role_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        resolve_specs(None, {"summarise": "org/x"}, {})


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / "ringkas.toml"
    path.write_text("""
port = 9000
host = "0.0.0.0"
[limits]
max_text_chars = 1234
[models]
summarize = "org/summ@abc123"
translate_id_en = { id = "org/tr", revision = "def456" }
""", encoding="utf-8")
    s = Settings.from_env({"RINGKAS_PORT": "9500"}, config_file=path)
    # env > file
    assert (s.server.host, s.server.port, s.limits.max_text_chars) == ("0.0.0.0", 9500, 1234)
    assert s.models["summarize"] == ModelSpec("summarize", "org/summ", "abc123")
    assert s.models["translate_id_en"] == ModelSpec("translate_id_en", "org/tr", "def456")
    assert s.models["translate_en_id"].model == "Helsinki-NLP/opus-mt-en-id"


@pytest.mark.parametrize("content", ["prot = 1", "port = 'eighty'", "[models]\nsummarize = 3",
                                     "not toml ["])
def test_bad_config_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        Settings.from_env({}, config_file=path)


def test_cli_model_flag_reaches_the_error(tiny_dir: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    result = CliRunner().invoke(main, ["translate", "-", "--models", str(tiny_dir),
                                       "--model", "translate_id_en=org/pinned@abc123"],
                                input="Dia pergi.")
    assert result.exit_code == 2
    assert "org/pinned (revision abc123)" in result.stderr
    bad = CliRunner().invoke(main, ["translate", "-", "--model", "no-equals-sign"], input="x")
    assert bad.exit_code == 2 and "ROLE=MODEL_ID" in bad.stderr


def test_settings_from_env_and_flags() -> None:
    env = {"RINGKAS_PORT": "9001", "RINGKAS_MAX_TEXT_CHARS": "500", "RINGKAS_HOST": "0.0.0.0"}
    s = Settings.from_env(env, port=9100)
    assert (s.server.host, s.server.port, s.limits.max_text_chars) == ("0.0.0.0", 9100, 500)


@pytest.mark.parametrize(("var", "value"), [("RINGKAS_PORT", "eighty"),
                                            ("RINGKAS_BACKGROUND_LOAD", "maybe"),
                                            ("RINGKAS_MAX_TEXTS", "-1")])
def test_bad_settings_fail_clearly(var: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({var: value})
    assert var in err.value.message


def test_check_reports_where_a_model_is(tiny_dir: Path, tmp_path: Path) -> None:
    assert check(ModelSpec("summarize", str(tiny_dir / "summarize"), "main")).where == "directory"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not check(ModelSpec("summarize", str(empty), "main")).ok
    assert not check(ModelSpec("summarize", "/no/such/dir", "main")).ok
    offline = check(ModelSpec("summarize", "org/not-cached", "main"), probe_hub=False)
    assert (offline.ok, offline.where) == (False, "missing")


def test_every_missing_role_is_reported_at_once(tiny_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    specs = resolve_specs(tiny_dir, {"translate_id_en": str(tmp_path / "gone"),
                                     "summarize": "no-such-org/no-such-model"}, env={})
    started = time.perf_counter()
    with pytest.raises(ModelsUnavailable) as err:
        load_engines(specs)
    assert time.perf_counter() - started < 5  # no network retries before failing
    missing = {m.role: m for m in err.value.missing}
    assert set(missing) == {"translate_id_en", "summarize"}
    message = err.value.message
    assert "no-such-org/no-such-model" in message and str(tmp_path / "gone") in message
    assert "ringkas models pull" in message and "--models DIR" in message


def test_unreachable_hub_is_a_fast_diagnosis(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr("huggingface_hub.model_info", no_network)
    found = check(ModelSpec("summarize", "org/uncached", "main"))
    assert not found.ok and "unreachable" in found.reason


def test_load_failure_of_a_present_model_is_collected(tiny_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    specs = resolve_specs(tiny_dir, {"summarize": str(broken)}, env={})
    with pytest.raises(ModelsUnavailable) as err:
        load_engines(specs)
    assert [m.role for m in err.value.missing] == ["summarize"]
    assert "failed to load" in err.value.missing[0].reason


def test_cached_models_load_without_network(monkeypatch: pytest.MonkeyPatch,
                                            tiny_dir: Path) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(loading, "is_cached", lambda spec: True)

    def fake_loader(spec: ModelSpec, local_only: bool) -> object:
        seen.append(local_only)
        return SimpleNamespace(info=SimpleNamespace(backend="fake", decoding=None))

    specs = {r: ModelSpec(r, f"org/{r}", "main") for r in ROLES}
    load_engines(specs, loader=fake_loader)  # type: ignore[arg-type]
    assert seen == [True] * len(ROLES)


@pytest.mark.parametrize(("files", "expected_weights"), [
    (["config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5"],
     ["*.safetensors"]),
    (["config.json", "pytorch_model.bin", "tf_model.h5", "source.spm"], ["pytorch_model.bin"]),
])
def test_pull_fetches_one_weights_format(files: list[str], expected_weights: list[str]) -> None:
    patterns = files_to_fetch(files)
    assert "*.json" in patterns and "*.spm" in patterns
    assert [p for p in patterns if "safetensors" in p or p.endswith(".bin")] == expected_weights


def test_hub_cache_path_reports_the_commit(tiny_dir: Path, tmp_path: Path) -> None:
    """A hub id served from a Hugging Face cache (as `models pull` leaves it), offline."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--org--tiny-id-en"
    shutil.copytree(tiny_dir / "translate_id_en", repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1",
           "RINGKAS_MODEL_TRANSLATE_ID_EN": "org/tiny-id-en"}
    proc = subprocess.run([sys.executable, "-m", "service", "summarize", "-", "--strategy",
                           "extractive", "--length", "1", "--json"], env=env, text=True,
                          input="Sebanyak 14 perajin terlibat langsung.", capture_output=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    (model,) = json.loads(proc.stdout)["models"]
    assert (model["id"], model["revision"], model["commit"]) == ("org/tiny-id-en", "main",
                                                                 commit)


def test_busy_port_is_a_message_before_any_model_loads(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "service", "serve", "--port", str(port),
                               "--models", str(tmp_path / "nothing-here")], text=True,
                              capture_output=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "port_unavailable" in proc.stderr and "Traceback" not in proc.stderr


def test_the_fast_preset_decodes_12_3_at_its_no_loss_beam() -> None:
    """RINGKAS_PRESET=fast runs distilbart-cnn-12-3 at beam 3; anything configured wins."""
    def beams(**env: str) -> dict[str, int | None]:
        settings = Settings.from_env(env=env)
        return {r: o.decoding.beam_size for r, o in settings.engines.roles.items()}

    assert set(beams().values()) == {None}  # quality: every model its own
    fast = beams(RINGKAS_PRESET="fast")
    assert fast["summarize"] == 3
    assert {b for r, b in fast.items() if r != "summarize"} == {None}
    assert beams(RINGKAS_PRESET="fast", RINGKAS_BEAM_SIZE_SUMMARIZE="4")["summarize"] == 4
    assert beams(RINGKAS_PRESET="fast", RINGKAS_BEAM_SIZE="5")["summarize"] == 5
    # Another summariser keeps its own decoding.
    assert beams(RINGKAS_PRESET="fast",
                 RINGKAS_MODEL_SUMMARIZE="org/mine")["summarize"] is None
