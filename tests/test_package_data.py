"""Data files are read through importlib.resources, not paths next to a source checkout: the
packages imported from a zip file, with no checkout around them, still find every one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from eval.dataset import eval_set_files, fingerprint, summary_set
from service.prompts import PromptRegistry
from service.seeds import articles

REPO = Path(__file__).resolve().parent.parent

_PROBE = """
import json, service
from eval.dataset import eval_set_files, fingerprint, summary_set
from service.bench.shapes import corpus_lines
from service.prompts import PromptRegistry
from service.published import load
from service.seeds import articles
from service.tiny import _corpus_lines, default_corpus

prompts = PromptRegistry.from_dir()
docs = summary_set()
print(json.dumps({
    "service": service.__file__,
    "prompts": {name: prompts.get(name).ref for name in prompts.names},
    "seeds": [p.name for p in articles()],
    "tiny_corpus_lines": len(_corpus_lines(default_corpus())),
    "bench_corpus_lines": len(corpus_lines()),
    "published": load("summarize").model_id,
    "summary_docs": [d.doc_id for d in docs],
    "seed_text": docs[0].source,
    "eval_set": fingerprint(eval_set_files()),
}))
"""


def _zip_packages(target: Path) -> Path:
    """The packages laid out as a wheel lays them out: the top-level data folders inside
    the packages that read them (setup.py's build step)."""
    from service.shipped import FOLDERS

    inside = {top: package.replace(".", "/") for package, (top, _) in FOLDERS.items()}
    with zipfile.ZipFile(target, "w") as zf:
        for folder in ("service", "eval", *inside):
            for path in sorted((REPO / folder).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    name = path.relative_to(REPO / folder).as_posix()
                    zf.write(path, f"{inside.get(folder, folder)}/{name}")
    return target


def test_the_packages_find_their_data_when_imported_from_a_zip(tmp_path: Path) -> None:
    archive = _zip_packages(tmp_path / "ringkas.zip")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", _PROBE], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**env, "PYTHONPATH": str(archive)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout)

    assert found["service"].startswith(str(archive) + os.sep)  # not the checkout's
    checkout = PromptRegistry.from_dir()
    assert found["prompts"] == {n: checkout.get(n).ref for n in checkout.names}
    assert found["seeds"] == [p.name for p in articles()] != []
    assert found["tiny_corpus_lines"] > 0 and found["bench_corpus_lines"] > 0
    docs = summary_set()
    assert found["summary_docs"] == [d.doc_id for d in docs]
    assert found["seed_text"] == docs[0].source
    assert found["eval_set"] == fingerprint(eval_set_files())
