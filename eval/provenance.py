"""What a report was measured with: the ringkas commit, the libraries that score and run the
models, and the settings of the run, so two reports can be told apart by more than a date."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

# The distributions whose versions change a score or an output.
LIBRARIES = ("ringkas", "sacrebleu", "rouge-score", "torch", "transformers", "ctranslate2",
             "tokenizers", "sentencepiece", "numpy")
_REPO = Path(__file__).resolve().parent.parent


def commit(repo: Path = _REPO) -> str | None:
    """The checkout's commit (with ``-dirty`` when it has changes); None outside one."""
    if not (repo / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def provenance(settings: dict[str, Any]) -> dict[str, Any]:
    return {"commit": commit(), "versions": versions(), "settings": settings}
