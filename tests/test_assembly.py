"""One assembly: models are loaded, wrapped and made into a pipeline in one place
(service/runtime/assembly.py), and one function says which models a task needs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from service.errors import InvalidField
from service.languages import PAIR_ROLE
from service.pipeline.strategies import roles_for, roles_needed
from tests.conftest import REPO

# What only the assembly may do: load models, set their threads, wrap them, build pipelines.
ONLY_THERE = frozenset({"load_engines", "set_torch_threads", "Batcher", "Pipeline"})
ASSEMBLY = "service/runtime/assembly.py"


def _sources() -> list[Path]:
    return [p for top in ("service", "eval") for p in (REPO / top).rglob("*.py")]


def calls_of(path: Path, names: frozenset[str]) -> list[str]:
    """The calls in ``path`` of a function or class named in ``names``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            if name in names:
                found.append(name)
    return found


def test_models_are_loaded_wrapped_and_assembled_in_one_place() -> None:
    offenders = {rel: found for p in _sources()
                 if (rel := str(p.relative_to(REPO))) != ASSEMBLY
                 and (found := calls_of(p, ONLY_THERE))}
    assert offenders == {}
    assert sorted(set(calls_of(REPO / ASSEMBLY, ONLY_THERE))) == sorted(ONLY_THERE)


def _pair_tables(path: Path) -> list[int]:
    """Lines of dict literals keyed by a language pair such as ``("id", "en")``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Tuple) and len(k.elts) == 2
                and all(isinstance(e, ast.Constant) and e.value in ("id", "en") for e in k.elts)
                for k in node.keys):
            lines.append(node.lineno)
    return lines


def test_the_translation_pairs_are_named_once() -> None:
    holders = [str(p.relative_to(REPO)) for p in _sources() if _pair_tables(p)]
    assert holders == ["service/languages.py"]


def test_roles_needed() -> None:
    assert roles_needed(["translate-summarise"]) == ["translate_id_en", "summarize",
                                                    "translate_en_id"]
    assert roles_needed(["translate-summarise"], indonesian=False) == ["translate_id_en",
                                                                     "summarize"]
    assert roles_needed(pairs=[("en", "id")]) == ["translate_en_id"]
    assert roles_needed(["extractive"], pairs=PAIR_ROLE) == ["translate_id_en",
                                                            "translate_en_id"]
    assert roles_for([]) == ["translate_en_id"]  # a server always offers Indonesian output
    with pytest.raises(InvalidField) as err:
        roles_needed(["nope"])
    assert err.value.code == "unknown_strategy"


def _extension_writes(path: Path) -> list[int]:
    """Lines that store into ``app.extensions[...]``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute)
                and t.value.attr == "extensions" for t in node.targets):
            lines.append(node.lineno)
    return lines


def test_an_app_keeps_its_state_in_one_services_object() -> None:
    """Metrics, file formats, jobs, documents...: one Services object that the blueprints
    reach through one accessor, so nothing is shared by a name in app.extensions."""
    writers = {str(p.relative_to(REPO)): lines for p in _sources()
               if (lines := _extension_writes(p))}
    assert list(writers) == ["service/api/__init__.py"] and len(writers[
        "service/api/__init__.py"]) == 1
