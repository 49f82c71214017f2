"""Data folders kept at the top of the source tree (``seeds/``, ``prompts/``) and shipped
inside the package that reads them: setup.py's build step copies each into its package, so
a wheel or a zip finds it as package data, and a source checkout reads the top-level folder
itself. One lookup, so both read the same files."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

# package -> (the folder at the top of the source tree, the names of its data files)
FOLDERS = {"service.seeds": ("seeds", ("*.txt", "*.meta.json")),
           "service.prompts": ("prompts", ("*.toml", "README.md"))}


def folder(package: str) -> Traversable:
    """Where ``package``'s data is: inside the package when it was built with it, else the
    top-level folder of the checkout the package is imported from."""
    inside = resources.files(package)
    top, patterns = FOLDERS[package]
    if any(p.is_file() and any(Path(p.name).match(pat) for pat in patterns)
           for p in inside.iterdir()):
        return inside
    return Path(__file__).resolve().parent.parent / top
