"""One assembly: models are loaded, wrapped and made into a pipeline in one place
(service/api/runtime.py), and one function says which models a task needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.errors import InvalidField
from service.pipeline.strategies import PAIR_ROLE, roles_for, roles_needed
from tests.conftest import REPO

ASSEMBLY = {REPO / "service" / "api" / "runtime.py", REPO / "service" / "engine" / "loading.py"}
# What only the assembly may do: load models, set their threads, wrap them, build pipelines.
ONLY_THERE = re.compile(r"\b(load_engines|set_torch_threads|Batcher|Pipeline)\(")
_PAIR_LITERAL = re.compile(r"\(\"id\", \"en\"\): \"translate_id_en\"")


def _sources() -> list[Path]:
    return [p for top in ("service", "eval") for p in (REPO / top).rglob("*.py")]


def test_models_are_loaded_wrapped_and_assembled_in_one_place() -> None:
    offenders = {str(p.relative_to(REPO)): ONLY_THERE.findall(p.read_text())
                 for p in _sources() if p not in ASSEMBLY and ONLY_THERE.search(p.read_text())}
    offenders.pop("service/engine/batcher.py", None)  # the class itself
    offenders.pop("service/pipeline/pipeline.py", None)
    assert offenders == {}


def test_the_translation_pairs_are_named_once() -> None:
    holders = [str(p.relative_to(REPO)) for p in _sources() if _PAIR_LITERAL.search(p.read_text())]
    assert holders == ["service/pipeline/strategies.py"]


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
