"""What the command line tells a person: the commands it names are the ones they can run,
and a pull that cannot reach the hub says so at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.commandline import for_a_person, invoked_as
from tests.conftest import REPO

VENV_RINGKAS = Path(sys.executable).parent / "ringkas"


def test_a_command_is_named_as_the_person_ran_ringkas(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ringkas on it
    assert invoked_as(".venv/bin/ringkas") == ".venv/bin/ringkas"
    assert invoked_as("/opt/x/bin/ringkas") == "/opt/x/bin/ringkas"
    assert invoked_as("/usr/lib/python3/service/__main__.py").endswith(" -m service")
    assert invoked_as("/usr/bin/pytest") == "ringkas"  # embedded: the command's own name
    monkeypatch.setenv("PATH", str(VENV_RINGKAS.parent))
    assert invoked_as(str(VENV_RINGKAS)) == "ringkas"  # on PATH: its short name
    monkeypatch.setattr(sys, "argv", [".venv/bin/ringkas"])
    monkeypatch.setenv("PATH", str(tmp_path))
    assert for_a_person("run `ringkas models pull` first") == \
        "run `.venv/bin/ringkas models pull` first"


def _ringkas(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_RINGKAS.relative_to(REPO)) if VENV_RINGKAS.is_relative_to(
        REPO) else str(VENV_RINGKAS), *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=120)


def test_an_unreachable_hub_fails_the_pull_at_once_and_names_the_way_out(
        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update({"HF_ENDPOINT": "https://hub.invalid", "HF_HOME": str(tmp_path / "hf"),
                "PATH": "/usr/bin:/bin"})
    started = time.monotonic()
    out = _ringkas("models", "pull", env=env)
    took = time.monotonic() - started
    assert out.returncode == 1
    assert "cannot reach the model hub: hub.invalid does not resolve" in out.stderr
    assert "Retrying" not in out.stderr  # no minute of retries per model
    # a bound, not a timing check: five retries per model took over a minute
    assert took < 30
    assert "`ringkas models pull`" not in out.stderr  # not on this PATH: named as run
    offline = _ringkas("models", "pull", env={**env, "HF_HUB_OFFLINE": "1"})
    assert offline.returncode == 1 and "HF_HUB_OFFLINE is set" in offline.stderr


def test_make_tiny_says_what_it_wrote_and_nothing_else(tmp_path: Path) -> None:
    out = subprocess.run([str(VENV_RINGKAS), "models", "make-tiny", str(tmp_path / "tiny")],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert out.returncode == 0, out.stderr
    lines = (out.stdout + out.stderr).splitlines()
    assert "Writing model shards" not in out.stderr and "[transformers]" not in out.stderr
    assert "" not in lines  # no blank lines from the tokenizer trainers
    assert len(lines) == 7 and lines[-1].startswith("WARNING: these models have RANDOM")


def test_a_first_in_process_command_says_it_is_converting(tiny_dir: Path,
                                                          tmp_path: Path) -> None:
    """Converting a published model takes minutes: the default log level shows it."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RINGKAS_CT2_CACHE": str(tmp_path / "ct2"),
           "RINGKAS_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([str(VENV_RINGKAS), "translate", "--models", str(tiny_dir), "-"],
                         input="Desa itu kecil.", capture_output=True, text=True,
                         timeout=280, cwd=REPO, env=env)
    assert out.returncode == 0, out.stderr
    assert "converting role=translate_id_en to CTranslate2" in out.stderr
    assert "converted role=translate_id_en in" in out.stderr
    quiet = subprocess.run([str(VENV_RINGKAS), "--log-level", "ERROR", "translate",
                            "--models", str(tiny_dir), "-"], input="Desa itu kecil.",
                           capture_output=True, text=True, timeout=280, cwd=REPO,
                           env={**env, "RINGKAS_CT2_CACHE": str(tmp_path / "ct2-quiet")})
    assert quiet.returncode == 0 and "converting" not in quiet.stderr


def test_behind_a_proxy_the_hub_is_not_judged_by_local_dns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where only the proxy resolves outside names, a name this machine cannot resolve is
    no sign the hub cannot be reached."""
    from service.hub import unreachable

    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                "all_proxy", "NO_PROXY", "no_proxy", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    assert "hub.invalid does not resolve" in (unreachable("https://hub.invalid") or "")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert unreachable("https://hub.invalid") is None
    monkeypatch.setenv("NO_PROXY", "hub.invalid")  # bypassed: judged again
    assert unreachable("https://hub.invalid") is not None
