"""The seed articles: Indonesian news as the user supplied it, each ``NAME.txt`` with a
``NAME.meta.json`` (source, copyright, terms of use). make-tiny's tokenizers learn from
them; the benchmark and the evaluation set use them too."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def articles() -> list[Traversable]:
    """Every seed article, in name order: package data, so found in a wheel, a zip or a
    checkout."""
    found = (p for p in resources.files(__name__).iterdir()
             if p.name.endswith(".txt") and p.is_file())
    return sorted(found, key=lambda p: p.name)
