"""`make test` (what CI runs) fails when a test it is meant to run is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_a_skipped_test_fails_make_test(tmp_path: Path) -> None:
    case = tmp_path / "test_setup_missing.py"
    case.write_text("import pytest\n\ndef test_needs_redis():\n    pytest.skip('no redis')\n\n"
                    "def test_fine():\n    pass\n")

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if k != "RINGKAS_NO_SKIPS"}
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "-p", "tests.conftest", "--rootdir", str(tmp_path), *args,
                               str(case)],
                              cwd=REPO, capture_output=True, text=True, timeout=120,
                              env={**base, **env})

    strict = run(RINGKAS_NO_SKIPS="1")
    assert strict.returncode == 1, strict.stdout
    assert "1 test(s) skipped under make test" in strict.stdout
    assert "test_setup_missing.py::test_needs_redis" in strict.stdout
    # make test runs the suite on pytest-xdist workers: their skips count the same.
    spread = run("-n", "2", RINGKAS_NO_SKIPS="1")
    assert spread.returncode == 1, spread.stdout
    assert "test_setup_missing.py::test_needs_redis" in spread.stdout
    assert run().returncode == 0  # a bare pytest run may skip
    # A module that skips itself (a missing browser library) counts as well.
    case.write_text("import pytest\n\npytest.importorskip('no_such_module_here')\n\n"
                    "def test_never():\n    pass\n")
    strict = run(RINGKAS_NO_SKIPS="1")
    assert strict.returncode == 1, strict.stdout
    assert "1 test(s) skipped under make test" in strict.stdout
    makefile = (REPO / "Makefile").read_text()
    assert "RINGKAS_NO_SKIPS=1 $(VENV)/bin/pytest -n $(TEST_WORKERS)" in makefile


def test_setup_shows_its_progress() -> None:
    """`make setup` takes minutes on a fresh machine: it names each step, and pip says what
    it installs (the long installs are not run with -q)."""
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\n", 1)[1]
    recipe = recipe.split("\n\n", 1)[0]
    steps = [line for line in recipe.splitlines() if line.strip().startswith("@echo")]
    assert len(steps) == 4 and all("== setup" in s for s in steps)
    installs = [line for line in recipe.replace("\\\n", " ").splitlines()
                if "pip install" in line and "--upgrade pip" not in line]
    assert installs and not any(" -q " in f" {line} " for line in installs)
    dry = subprocess.run(["make", "-n", "-B", "setup"], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert dry.returncode == 0 and dry.stdout.count('echo "== setup') == 4
