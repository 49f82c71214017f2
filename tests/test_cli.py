"""The ``ringkas`` command: in-process with CliRunner, and as a real process where exit codes,
environment or the absence of a traceback matter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.cli import main
from service.models import ROLES
from service.text.segment import split_sentences

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d67792ced336d87c.txt"
RINGKAS = Path(sys.executable).parent / "ringkas"
SHORT_ID = ("Jakarta (ANTARA) - Menteri itu meresmikan pabrik baru di Bogor.\n\n"
            "Pabrik itu mempekerjakan 200 orang dari desa sekitar.")
RESPONSE_KEYS = {"summary", "strategy", "length", "models", "prompt", "fidelity", "timings_ms",
                 "warnings", "translation_memory", "reused"}
DEFAULT_ROLES = ("translate_id_en", "summarize")


def run(*args: str, stdin: bytes | str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def run_process(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
                stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    full_env.pop("RINGKAS_MODELS_DIR", None)
    return subprocess.run([str(RINGKAS), *args], input=stdin, capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120, check=False)


@pytest.fixture()
def short_article(tmp_path: Path) -> Path:
    path = tmp_path / "short.txt"
    path.write_text(SHORT_ID, encoding="utf-8")
    return path


# --- summarize --------------------------------------------------------------------------


def test_summarize_seed(tiny_dir: Path) -> None:
    result = run("summarize", str(SEED), "--models", str(tiny_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert "warning [random_weights]" in result.stderr
    assert "warning [" not in result.stdout


def test_summarize_json(tiny_dir: Path, short_article: Path) -> None:
    result = run("summarize", str(short_article), "--models", str(tiny_dir), "--json",
                 "--length", "1")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == RESPONSE_KEYS
    assert set(body["summary"]) == {"en"}
    assert body["length"] == 1
    assert [m["role"] for m in body["models"]] == list(DEFAULT_ROLES)
    assert "random_weights" in {w["code"] for w in body["warnings"]}


def test_summarize_both_languages(tiny_dir: Path, short_article: Path) -> None:
    result = run("summarize", str(short_article), "--models", str(tiny_dir), "--json",
                 "--lang", "en", "--lang", "id", "--length", "short")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body["summary"]) == {"en", "id"}
    assert [m["role"] for m in body["models"]] == [*DEFAULT_ROLES, "translate_en_id"]

    plain = run("summarize", str(short_article), "--models", str(tiny_dir), "--lang", "en",
                "--lang", "id", "--length", "short")
    assert plain.exit_code == 0, plain.output
    lines = plain.stdout.splitlines()
    assert any(line.startswith("[en] ") for line in lines)
    assert any(line.startswith("[id] ") for line in lines)


def test_summarize_extractive_length(tiny_dir: Path, seed_text: str) -> None:
    result = run("summarize", str(SEED), "--models", str(tiny_dir), "--json",
                 "--strategy", "extractive", "--length", "2", "--lang", "id")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["strategy"] == "extractive"
    assert body["length"] == 2
    picked = split_sentences(body["summary"]["id"], "id")
    assert len(picked) == 2
    flat = " ".join(seed_text.split())
    assert all(sentence in flat for sentence in picked)


def test_summarize_from_stdin(tiny_dir: Path) -> None:
    result = run("summarize", "-", "--models", str(tiny_dir), "--strategy", "extractive",
                 "--length", "1", stdin=SHORT_ID.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert "random_weights" in result.stderr


@pytest.mark.parametrize(("args", "code"), [
    (["--length", "0"], "invalid_length"),
    (["--length", "huge"], "invalid_length"),
    (["--strategy", "magic"], "unknown_strategy"),
])
def test_summarize_invalid_options(tiny_dir: Path, short_article: Path, args: list[str],
                                   code: str) -> None:
    result = run("summarize", str(short_article), "--models", str(tiny_dir), *args)
    assert result.exit_code == 2
    assert f"error [{code}]" in result.stderr


def test_summarize_boilerplate_only(tiny_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "boiler.txt"
    path.write_text("Baca juga: x\n\nCopyright © ANTARA 2026", encoding="utf-8")
    result = run("summarize", str(path), "--models", str(tiny_dir))
    assert result.exit_code == 2
    assert "error [empty_after_cleaning]" in result.stderr


# --- translate --------------------------------------------------------------------------


def test_translate_stdin(tiny_dir: Path) -> None:
    result = run("translate", "-", "--models", str(tiny_dir), stdin="Dia pergi ke pasar.")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert "random_weights" in result.stderr


def test_translate_en_id_real_process(tiny_dir: Path) -> None:
    proc = run_process("translate", "-", "--models", str(tiny_dir), "--from", "en", "--to", "id",
                       stdin="The minister opened a new factory.\n\nIt employs 200 people.\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert "random_weights" in proc.stderr
    assert "translate_en_id" in proc.stderr


def test_translate_same_languages_rejected(tiny_dir: Path) -> None:
    result = run("translate", "-", "--models", str(tiny_dir), "--from", "en", "--to", "en",
                 stdin="Hello.")
    assert result.exit_code == 2
    assert "error [unsupported_language_pair]" in result.stderr


# --- invalid input ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["summarize", "translate"])
@pytest.mark.parametrize("content", [b"", b"  \n\n\t"])
def test_empty_input(tiny_dir: Path, tmp_path: Path, command: str, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    result = run(command, str(path), "--models", str(tiny_dir))
    assert result.exit_code == 2
    assert "error [empty_text]" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", ["summarize", "translate"])
def test_non_utf8_input(tiny_dir: Path, tmp_path: Path, command: str) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Menteri meresmikan pabrik di Bogor, café.".encode("latin-1"))
    result = run(command, str(path), "--models", str(tiny_dir))
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)  # a message, not a crash
    assert "not UTF-8" in result.stderr
    assert str(path) in result.stderr


@pytest.mark.parametrize("name", ["nope.txt", "."])
def test_unreadable_input_file(tiny_dir: Path, tmp_path: Path, name: str) -> None:
    proc = run_process("summarize", str(tmp_path / name), "--models", str(tiny_dir))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert str(tmp_path / name) in proc.stderr


# --- models -----------------------------------------------------------------------------


def test_models_list_tiny(tiny_dir: Path) -> None:
    result = run("models", "list", "--models", str(tiny_dir))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for role in ROLES:
        line = next(ln for ln in lines if ln.startswith(role))
        assert line.rstrip().endswith("directory")
    assert "no:" not in result.stdout
    assert "not available" not in result.stderr


def test_models_list_missing(tmp_path: Path) -> None:
    result = run("models", "list", "--models", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for role in ROLES:
        line = next(ln for ln in lines if ln.startswith(role))
        assert "no:" in line
        assert str(tmp_path / role) in line
    assert "3 model(s) not available" in result.stderr
    assert "ringkas models pull" in result.stderr
    assert "--models DIR" in result.stderr


def test_make_tiny(tmp_path: Path) -> None:
    out = tmp_path / "tiny"
    result = run("models", "make-tiny", str(out))
    assert result.exit_code == 0, result.output
    for role in ("translate_id_en", "translate_en_id", "summarize"):
        config = json.loads((out / role / "config.json").read_text(encoding="utf-8"))
        assert "ringkas_tiny" in config
        assert str(out / role) in result.stdout
    assert "RANDOM WEIGHTS" in result.stderr


# --- fail fast ----------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "roles"), [
    ([], DEFAULT_ROLES),
    (["--lang", "id"], (*DEFAULT_ROLES, "translate_en_id")),
    (["--strategy", "extractive"], ("translate_id_en",)),
])
def test_summarize_missing_models_dir_fails_fast(extra: list[str], roles: tuple[str, ...],
                                                 ) -> None:
    proc = run_process("summarize", str(SEED), "--models", "/nonexistent/dir", *extra)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "error [models_unavailable]" in proc.stderr
    assert f"{len(roles)} model(s) unavailable" in proc.stderr
    for role in ROLES:
        assert (f"/nonexistent/dir/{role}" in proc.stderr) == (role in roles)
    assert "ringkas models pull" in proc.stderr
    assert "ringkas models make-tiny" in proc.stderr
    assert "--models DIR" in proc.stderr


def test_unknown_hub_model_offline(tiny_dir: Path, tmp_path: Path) -> None:
    proc = run_process("summarize", str(SEED), "--models", str(tiny_dir), env={
        "RINGKAS_MODEL_SUMMARIZE": "no-such-org/no-such-model",
        "HF_HOME": str(tmp_path / "hf-home"),
    })
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "no-such-org/no-such-model" in proc.stderr
    assert "1 model(s) unavailable" in proc.stderr
    assert "HF_HUB_OFFLINE" in proc.stderr


@pytest.mark.parametrize("command", [["summarize", str(SEED)], ["models", "list"]])
def test_relative_missing_models_dir_is_reported(tmp_path: Path, command: list[str]) -> None:
    proc = run_process(*command, "--models", "no/such/dir", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert "no/such/dir/summarize" in proc.stderr + proc.stdout
    assert "does not exist" in proc.stderr + proc.stdout
