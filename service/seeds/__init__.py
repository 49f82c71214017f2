"""The seed articles (``seeds/`` at the top of the source tree): Indonesian news as the
user supplied it, each ``NAME.txt`` with a ``NAME.meta.json`` (source, copyright, terms of
use). make-tiny's tokenizers learn from them; the benchmark and the evaluation set use them
too."""

from __future__ import annotations

from importlib.resources.abc import Traversable

from service.shipped import folder


def articles() -> list[Traversable]:
    """Every seed article, in name order: found in a wheel, a zip or a checkout."""
    found = (p for p in folder(__name__).iterdir() if p.name.endswith(".txt") and p.is_file())
    return sorted(found, key=lambda p: p.name)


def article(name: str) -> Traversable:
    """The seed article ``NAME.txt``."""
    return folder(__name__) / name
