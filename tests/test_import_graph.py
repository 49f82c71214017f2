"""Layering, read from the import graph: every ``import`` in ``service/`` and ``eval/``, at
the top of a module or inside a function, gives an arrow from its package to the imported
one. No arrow may point up the layers, and the packages form no cycle, so each layer can
be read, tested and reused without the ones above it.

Imports under ``if TYPE_CHECKING:`` are annotations only and are not arrows.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Bottom first. A unit is a package under service/ (or a top-level module there), or eval.
LAYERS: tuple[tuple[str, ...], ...] = (
    # foundations: errors, small helpers and package data
    ("service", "errors", "languages", "sqlite_tx", "db", "drain", "shipped", "seeds",
     "prompts", "client", "suggestions", "waitress_channel"),
    ("text", "models"),
    ("fidelity", "hub", "published"),
    ("engine", "tiny"),
    ("overload", "config"),
    ("glossary",),
    ("pipeline",),
    ("jobs", "documents", "auth"),
    ("contract",),
    ("runtime",),
    ("api", "commandline"),
    ("server", "gunicorn_worker", "deploy"),
    ("eval",),
    ("bench",),
    ("cli", "__main__"),
)
LAYER = {unit: i for i, units in enumerate(LAYERS) for unit in units}


@dataclass(frozen=True)
class Arrow:
    source: str  # the importing module
    target: str  # the imported module (or name)
    line: int

    @property
    def units(self) -> tuple[str | None, str | None]:
        return unit_of(self.source), unit_of(self.target)


def unit_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "eval":
        return "eval"
    if parts[0] != "service":
        return None
    return parts[1] if len(parts) > 1 else "service"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the import nodes under ``if TYPE_CHECKING:``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


# "package.module:attribute": an object named for import later (a lazy subcommand, an app
# for gunicorn), which depends on that module as an import does.
_REFERENCE = re.compile(r"^((?:service|eval)(?:\.\w+)*):\w+$")


def _imported_by_name(node: ast.AST) -> str | None:
    """The module a call such as ``importlib.import_module("m")`` or a constant
    ``"m:attr"`` reference names."""
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        fn = node.func
        name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
        if name in ("import_module", "__import__"):
            return node.args[0].value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        found = _REFERENCE.match(node.value)
        if found:
            return found.group(1)
    return None


def arrows_of(path: Path) -> Iterator[Arrow]:
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Arrow(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield Arrow(module, target, node.lineno)
            for alias in node.names:  # ``from service import config`` names a module
                yield Arrow(module, f"{target}.{alias.name}", node.lineno)
        elif (named := _imported_by_name(node)) is not None:
            yield Arrow(module, named, getattr(node, "lineno", 0))


def sources() -> list[Path]:
    return sorted(p for top in ("service", "eval") for p in (REPO / top).rglob("*.py"))


def unit_graph(paths: list[Path]) -> dict[str, dict[str, list[Arrow]]]:
    units = {unit_of(module_name(p)) for p in paths}
    graph: dict[str, dict[str, list[Arrow]]] = defaultdict(lambda: defaultdict(list))
    for path in paths:
        for arrow in arrows_of(path):
            src, dst = arrow.units
            # ``from service import __version__`` names no unit: it is the package's own
            if src is not None and dst in units and src != dst:
                graph[src][dst].append(arrow)
    return graph


def cycles(graph: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """The strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def upward(graph: Mapping[str, Mapping[str, list[Arrow]]]) -> list[str]:
    """Each import statement that points up, once."""
    found = {(a.source, a.line): f"{a.source}:{a.line} imports {a.target} ({src} is below {dst})"
             for src, targets in graph.items() for dst, arrows in targets.items()
             if LAYER[src] < LAYER[dst] for a in reversed(arrows)}
    return sorted(found.values())


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, list[Arrow]]]:
    return unit_graph(sources())


def test_every_package_has_a_layer(graph: Mapping[str, Mapping[str, list[Arrow]]]) -> None:
    units = {unit_of(module_name(p)) for p in sources()}
    assert sorted(u for u in units if u not in LAYER) == []


def test_no_import_points_up_the_layers(graph: Mapping[str, Mapping[str, list[Arrow]]]) -> None:
    assert upward(graph) == []


def test_the_packages_form_no_cycle(graph: Mapping[str, Mapping[str, list[Arrow]]]) -> None:
    assert cycles(graph) == []


def test_nothing_below_the_web_layer_imports_flask_or_the_cli(
        graph: Mapping[str, Mapping[str, list[Arrow]]]) -> None:
    web = LAYER["api"]
    offenders = sorted(a.source for path in sources() for a in arrows_of(path)
                       if a.target.split(".")[0] in ("flask", "werkzeug", "flask_limiter")
                       and LAYER[unit_of(a.source) or "service"] < web)
    assert offenders == []


# The checks above must be able to fail: each is run on a small tree with the fault.

def _tree(tmp_path: Path, files: Mapping[str, str]) -> list[Path]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(tmp_path.rglob("*.py"))


def test_an_import_inside_a_function_is_an_arrow(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    paths = _tree(tmp_path, {
        "service/__init__.py": "",
        "service/text/__init__.py": "def f():\n    from service.api.body import read_body\n",
        "service/api/__init__.py": "from ..text import f\n",
        "service/api/body.py": "from typing import TYPE_CHECKING\n"
                               "if TYPE_CHECKING:\n    from service.cli import x\n",
    })
    graph = unit_graph(paths)
    assert {src: sorted(t) for src, t in graph.items()} == {"text": ["api"], "api": ["text"]}
    assert cycles(graph) == [["api", "text"]]
    assert upward(graph) == ["service.text:2 imports service.api.body (text is below api)"]


def test_a_module_named_by_a_string_is_an_arrow(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A lazy subcommand's "module:attribute" and import_module("module") hide an import
    from the import statements; they point up the layers all the same."""
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    paths = _tree(tmp_path, {
        "service/__init__.py": "",
        "service/errors.py": "lazy = Command('eval', 'eval.cli:eval_command')\n",
        "service/text/__init__.py": "import importlib\n"
                                    "def f():\n    return importlib.import_module('service.api')\n",
        "service/api/__init__.py": "NOTE = 'see service.cli for more'\n",  # prose, no arrow
        "service/cli/__init__.py": "",
        "eval/__init__.py": "",
        "eval/cli.py": "",
    })
    graph = unit_graph(paths)
    assert {src: sorted(t) for src, t in graph.items()} == {"errors": ["eval"],
                                                            "text": ["api"]}
    assert upward(graph) == [
        "service.errors:1 imports eval.cli (errors is below eval)",
        "service.text:3 imports service.api (text is below api)"]


def test_only_the_command_lines_import_click() -> None:
    below = LAYER["commandline"]
    offenders = sorted(a.source for path in sources() for a in arrows_of(path)
                       if a.target.split(".")[0] == "click"
                       and LAYER[unit_of(a.source) or "service"] < below)
    assert offenders == []
