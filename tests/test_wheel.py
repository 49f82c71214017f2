"""The wheel, installed into a fresh virtualenv and run outside the checkout: everything ringkas
reads at run time (prompts, seed articles, evaluation data and references) ships inside it.

The new virtualenv sees this environment's dependencies through a path line in a .pth file:
that adds their site-packages to sys.path without running the .pth files in it, so an
editable install of ringkas there (a finder that maps ``service`` to a checkout) stays off.
Nothing is downloaded: the wheel is built without build isolation and installed with
--no-deps --no-index.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from eval.dataset import eval_set_files, fingerprint
from service.prompts import PromptRegistry

REPO = Path(__file__).resolve().parent.parent
# The folders of non-Python files ringkas reads at run time: the wheel carries every file,
# each at its path in the checkout or, for a top-level folder, inside the package that reads it.
DATA_DIRS = ("service/web", "service/published", "seeds", "prompts", "eval/data",
             "eval/references")
IN_WHEEL = {"seeds": "service/seeds", "prompts": "service/prompts"}
SEED_DOC = "seed-000_d67792ced336d87c"


@dataclass(frozen=True)
class Installed:
    venv: Path
    cwd: Path  # outside the checkout
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 240) -> str:
        """Run a command of the virtualenv's bin/ (``ringkas``, ``python``); its stdout."""
        proc = subprocess.run([str(self.venv / "bin" / args[0]), *args[1:]], cwd=self.cwd,
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
        return proc.stdout

    def python(self, code: str) -> str:
        return self.run("python", "-c", code).strip()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources.
    src, dist = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    for folder in ("service", "eval", "seeds", "prompts"):
        shutil.copytree(REPO / folder, src / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copyfile(REPO / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--disable-pip-version-check",
                    "-w", str(dist), str(src)], check=True, timeout=240,
                   capture_output=True)
    [built] = dist.glob("ringkas-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--clear", str(venv)],
                   check=True, timeout=120)
    # Installed before the dependencies become visible, so pip sees an empty environment.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)],
                   check=True, timeout=240, capture_output=True)
    home = tmp_path_factory.mktemp("home")
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(home),
           "XDG_CACHE_HOME": str(home / ".cache"), "HF_HOME": str(home / "hf"),
           "HF_HUB_OFFLINE": "1", "RINGKAS_CT2_CACHE": str(home / "ct2"),
           "PYTHONNOUSERSITE": "1", "TOKENIZERS_PARALLELISM": "false", "LANG": "C.UTF-8"}
    target = Installed(venv, tmp_path_factory.mktemp("elsewhere"), env)
    purelib = Path(target.python("import sysconfig; print(sysconfig.get_paths()['purelib'])"))
    ours = dict.fromkeys(p for p in site.getsitepackages() if Path(p).is_dir())
    (purelib / "ringkas-test-dependencies.pth").write_text("\n".join(ours) + "\n")
    return target


@pytest.fixture(scope="module")
def tiny(installed: Installed) -> Path:
    out = installed.cwd / "tiny"
    installed.run("ringkas", "models", "make-tiny", str(out))
    return out


def test_the_wheel_carries_every_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in DATA_DIRS:
        inside = IN_WHEEL.get(folder, folder)
        files = {f"{inside}/{p.relative_to(REPO / folder).as_posix()}"
                 for p in (REPO / folder).rglob("*")
                 if p.is_file() and p.suffix not in {".py", ".pyc"}}
        assert files, folder
        assert files <= names, sorted(files - names)
    # The CC BY-SA data keeps its licence and attribution beside it.
    for name in ("eval/data/ntrex-128/LICENSE.md", "eval/data/ntrex-128/README.md",
                 "eval/data/nusax-mt/LICENSE", "eval/data/nusax-mt/README.md",
                 "eval/references/README.md", "service/seeds/000_d67792ced336d87c.meta.json"):
        assert name in names, name


def test_the_installed_package_runs_outside_the_checkout(installed: Installed) -> None:
    where = json.loads(installed.python(
        "import json, eval, service.cli; print(json.dumps([service.__file__, eval.__file__]))"))
    for path in map(Path, where):
        assert path.is_relative_to(installed.venv), path
        assert not path.is_relative_to(REPO), path
    assert "summarize" in installed.run("python", "-m", "service", "--help")


def test_make_tiny_and_summarise_the_shipped_seed(installed: Installed, tiny: Path) -> None:
    assert {p.name for p in tiny.iterdir() if p.is_dir()} >= {"translate_id_en", "summarize"}
    seed = Path(installed.python("from service.seeds import articles; print(articles()[0])"))
    assert seed.is_relative_to(installed.venv)
    result = json.loads(installed.run("ringkas", "summarize", str(seed), "--models", str(tiny),
                                      "--length", "short", "--json"))
    assert result["summary"]["en"].strip()
    assert "random_weights" in {w["code"] for w in result["warnings"]}


def test_instruct_prompt_lookup(installed: Installed) -> None:
    found = json.loads(installed.python(
        "import json; from service.prompts import PromptRegistry\n"
        "r = PromptRegistry.from_dir()\n"
        "print(json.dumps({n: r.get(n).ref for n in r.names}))"))
    checkout = PromptRegistry.from_dir()
    assert found == {n: checkout.get(n).ref for n in checkout.names}
    assert found["summarize-en"] == "summarize-en@v2"


def test_eval_on_the_shipped_references(installed: Installed, tiny: Path) -> None:
    out = installed.cwd / "eval"
    installed.run("ringkas", "eval", "--models", str(tiny), "--strategy", "translate-summarise",
                  "--limit", "1", "--length", "short", "--bootstrap", "1", "--quiet",
                  "--out", str(out))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    files = eval_set_files()
    # The same evaluation set as the checkout's, byte for byte and name for name.
    assert report["eval_set"]["sha256"] == fingerprint(files)
    assert report["eval_set"]["files"] == len(files)
    run = report["summaries"]["translate-summarise"]
    assert run["errors"] == {}
    assert set(run["outputs"]) == {SEED_DOC}
