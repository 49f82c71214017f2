"""Roles on CTranslate2 convert their models on first load, checked, cached, and fall back to
transformers when the check fails; the worker honours the backend settings."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import service.engine.ct2_cache as ct2_cache
from service.api import create_app
from service.config import Settings
from service.engine.convert import ConvertedMeta
from service.engine.ct2_cache import ensure_converted, entry_for
from service.models import LOCAL_REVISION, ModelSpec
from tests.conftest import _free_port, poll_job, start_server, stop_server
from tests.test_redis_workers import WORKER_ENV

DEFAULT_ROLES = ("translate_id_en", "summarize", "translate_en_id")


@pytest.fixture(scope="module")
def warm_cache(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default roles' conversions, made once for the tests that only read them."""
    cache = tmp_path_factory.mktemp("ct2-cache")
    for role in DEFAULT_ROLES:
        ensure_converted(ModelSpec(role, str(tiny_dir / role), LOCAL_REVISION, from_dir=True),
                         "int8", cache)
    return cache


def _settings(tiny_dir: Path, cache: Path, **env: str) -> Settings:
    """No backend setting: CTranslate2 is the default."""
    return Settings.from_env(env={"RINGKAS_CT2_CACHE": str(cache), **env},
                             models_dir=str(tiny_dir))


def test_first_load_converts_checks_and_caches(tiny_dir: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "ct2"
    client = create_app(_settings(tiny_dir, cache)).test_client()
    body = client.get("/v1/models").get_json()
    loaded = {m["role"]: m["loaded"] for m in body["models"] if m["loaded"]}
    assert set(loaded) == set(DEFAULT_ROLES)
    for role, info in loaded.items():
        assert (info["backend"], info["compute_type"]) == ("ctranslate2", "int8"), role
        # Provenance names the configured model, not the cache entry.
        assert info["id"] == str(tiny_dir / role) and info["note"] is None
        assert info["converted_from"] == f"{(tiny_dir / role).resolve()}@local"
    entries = sorted(p for p in cache.iterdir() if p.suffix != ".lock")
    assert len(entries) == 3 and not [p for p in entries if p.name.startswith(".")]
    for entry in entries:
        parity = ConvertedMeta.read(entry).parity
        assert parity is not None and parity["ok"] is True
    resp = client.post("/v1/translate", json={"text": "Pabrik itu besar.", "source": "id",
                                              "target": "en"})
    assert resp.status_code == 200 and resp.get_json()["models"][0]["backend"] == "ctranslate2"

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2_cache.subprocess, "run", no_child)
    create_app(_settings(tiny_dir, cache)).test_client().get("/v1/models")  # from the cache


def test_cache_key_follows_the_content_and_compute_type(tiny_dir: Path, tmp_path: Path) -> None:
    model = shutil.copytree(tiny_dir / "translate_id_en", tmp_path / "m")
    spec = ModelSpec("translate_id_en", str(model), LOCAL_REVISION, from_dir=True)
    first = entry_for(spec, "int8", tmp_path / "c")
    assert entry_for(spec, "int8", tmp_path / "c") == first
    assert entry_for(spec, "float32", tmp_path / "c") != first
    config = model / "config.json"
    config.write_text(config.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert entry_for(spec, "int8", tmp_path / "c") != first  # a changed directory


def test_a_failed_check_falls_back_to_transformers(tiny_dir: Path, tmp_path: Path,
                                                   warm_cache: Path) -> None:
    cache = shutil.copytree(warm_cache, tmp_path / "ct2")
    spec = ModelSpec("summarize", str(tiny_dir / "summarize"), LOCAL_REVISION, from_dir=True)
    entry = ensure_converted(spec, "int8", cache).path
    meta = json.loads((entry / "ringkas-ct2.json").read_text(encoding="utf-8"))
    meta["parity"] = {**meta["parity"], "ok": False, "max_logprob_diff": 9.5}
    (entry / "ringkas-ct2.json").write_text(json.dumps(meta), encoding="utf-8")
    client = create_app(_settings(tiny_dir, cache)).test_client()
    models = {m["role"]: m["loaded"] for m in client.get("/v1/models").get_json()["models"]
              if m["loaded"]}
    assert models["summarize"]["backend"] == "transformers"
    assert "parity check" in models["summarize"]["note"]
    assert "9.5" in models["summarize"]["note"]
    assert models["translate_id_en"]["backend"] == "ctranslate2"


def test_a_ctranslate2_server_maps_no_libtorch(tiny_dir: Path, tmp_path: Path,
                                               warm_cache: Path) -> None:
    """`ringkas serve --models DIR` with no backend setting: every role on CTranslate2
    int8, and the serving process never maps libtorch."""
    proc, base = start_server(tiny_dir, {"RINGKAS_CT2_CACHE": str(warm_cache),
                                         "RINGKAS_DATA_DIR": str(tmp_path / "data")})
    try:
        resp = requests.post(f"{base}/v1/summarize", json={
            "text": "Menteri Perindustrian hadir di Bogor. Nilai investasi Rp18 triliun.",
            "languages": ["en", "id"]}, timeout=120)
        assert resp.status_code == 200, resp.text
        assert {(m["backend"], m["compute_type"]) for m in resp.json()["models"]} == {
            ("ctranslate2", "int8")}
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        assert "libtorch" not in maps
    finally:
        stop_server(proc)


@pytest.mark.timeout(600)
def test_worker_runs_on_ctranslate2(tiny_dir: Path, tmp_path: Path, warm_cache: Path) -> None:
    """`ringkas worker` loads each role on its configured backend, converted models too.
    Each process is stopped however the test ends (ExitStack: the last started first)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed; tests/setup/install-system-packages "
                    "installs it (Debian package redis-server)")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    env = {"RINGKAS_BACKEND": "ctranslate2", "RINGKAS_CT2_CACHE": str(warm_cache),
           "RINGKAS_REDIS_URL": url, "HF_HUB_OFFLINE": "1", **WORKER_ENV}
    with contextlib.ExitStack() as owned, (tmp_path / "worker.log").open("w") as log:
        redis = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save",
                                  "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        owned.callback(stop_server, redis, 10)
        worker = subprocess.Popen([sys.executable, "-m", "service", "worker", "--models",
                                   str(tiny_dir), "--name", "ct2"], env={**os.environ, **env},
                                  stdout=log, stderr=subprocess.STDOUT)
        owned.callback(stop_server, worker, 30)
        proc, base = start_server(tiny_dir, {**env, "RINGKAS_DATA_DIR": str(tmp_path / "data")})
        owned.callback(stop_server, proc)
        resp = requests.post(f"{base}/v1/jobs", json={"items": [
            {"kind": "translate", "text": "Pabrik itu besar.", "source": "id",
             "target": "en"}]}, timeout=30)
        assert resp.status_code == 202, resp.text
        done = poll_job(base, resp.json()["id"], lambda b: b["status"] in ("done", "failed"),
                        timeout_s=300)
        assert done["status"] == "done", (tmp_path / "worker.log").read_text()[-2000:]
        assert done["items"][0]["result"]["models"][0]["backend"] == "ctranslate2"
        assert worker.poll() is None


def test_pull_converts_the_roles_on_ctranslate2(tiny_dir: Path, tmp_path: Path,
                                                warm_cache: Path) -> None:
    from click.testing import CliRunner

    from service.cli import main

    fresh = tmp_path / "fresh"  # one role (extractive needs only translate_id_en), converted
    result = CliRunner().invoke(main, ["models", "pull", "--models", str(tiny_dir)],
                                env={"RINGKAS_STRATEGIES": "extractive",
                                     "RINGKAS_CT2_CACHE": str(fresh)})
    assert result.exit_code == 0, result.output
    assert f"translate_id_en: CTranslate2 int8 -> {fresh}" in result.output
    assert "(checked)" in result.output and len(list(fresh.glob("translate_id_en-*"))) == 2
    result = CliRunner().invoke(main, ["models", "pull", "--models", str(tiny_dir)],
                                env={"RINGKAS_CT2_CACHE": str(warm_cache)})
    assert result.exit_code == 0, result.output
    for role in DEFAULT_ROLES:
        assert f"{role}: CTranslate2 int8 -> {warm_cache}" in result.output
    assert result.output.count("(checked)") == 3
    plain = CliRunner().invoke(main, ["models", "pull", "--models", str(tiny_dir)],
                               env={"RINGKAS_BACKEND": "transformers",
                                    "RINGKAS_CT2_CACHE": str(warm_cache)})
    assert plain.exit_code == 0 and "CTranslate2" not in plain.output


def test_the_role_is_part_of_the_key(tiny_dir: Path, tmp_path: Path) -> None:
    """CrossSum's role starts with its language token and suppresses the others: the same
    model under another role is another conversion."""
    path = str(tiny_dir / "crosssum")
    as_crosssum = entry_for(ModelSpec("crosssum", path, LOCAL_REVISION), "int8", tmp_path)
    as_xlsum = entry_for(ModelSpec("summarize_id", path, LOCAL_REVISION), "int8", tmp_path)
    assert as_crosssum != as_xlsum


def test_a_failed_conversion_runs_on_transformers_once_noted(
        tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "ct2"
    cache.mkdir()
    stale = cache / ".converting-999999999-abc"  # left by a process killed mid-conversion
    stale.mkdir()
    monkeypatch.setattr(ct2_cache.sys, "executable", "/bin/false")  # the child fails
    client = create_app(_settings(tiny_dir, cache, RINGKAS_STRATEGIES="extractive")).test_client()
    loaded = [m for m in client.get("/v1/models").get_json()["models"] if m["loaded"]]
    assert {m["role"] for m in loaded} == {"translate_id_en", "translate_en_id"}
    for role in loaded:
        assert role["loaded"]["backend"] == "transformers"
        assert "failed" in role["loaded"]["note"]
    assert not stale.exists()
    assert len(list(cache.glob("*.failed"))) == 2

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2_cache.subprocess, "run", no_child)
    again = create_app(_settings(tiny_dir, cache, RINGKAS_STRATEGIES="extractive"))
    loaded = [m for m in again.test_client().get("/v1/models").get_json()["models"]
              if m["loaded"]]
    assert len(loaded) == 2 and all(m["loaded"]["backend"] == "transformers" for m in loaded)


def test_an_unusable_cache_runs_on_transformers(tiny_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    client = create_app(_settings(tiny_dir, blocker / "ct2",
                                  RINGKAS_STRATEGIES="extractive")).test_client()
    loaded = [m for m in client.get("/v1/models").get_json()["models"] if m["loaded"]]
    assert loaded and all(m["loaded"]["backend"] == "transformers" and
                          "RINGKAS_CT2_CACHE" in m["loaded"]["note"] for m in loaded)


def test_concurrent_first_loads_convert_once(tiny_dir: Path, tmp_path: Path) -> None:
    """Two processes (say two gunicorn workers) start together on an empty cache."""
    cache = tmp_path / "ct2"
    model = str(tiny_dir / "translate_id_en")
    script = (f"from service.engine.ct2_cache import ensure_converted\n"
              f"from service.models import ModelSpec\n"
              f"spec = ModelSpec('translate_id_en', {model!r}, 'local', from_dir=True)\n"
              f"c = ensure_converted(spec, 'int8', {str(cache)!r})\n"
              f"print(c.path, c.ok)\n")
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    assert outs[0][0] == outs[1][0] and outs[0][0].strip().endswith("True")
    assert [p.name for p in cache.iterdir() if not p.name.endswith(".lock")] == [
        Path(outs[0][0].split()[0]).name]
