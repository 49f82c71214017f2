"""Versioned prompt templates (the ``*.toml`` files of ``prompts/`` at the top of the source
tree, shipped with this package, or a directory of them): a registry that fails loudly."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from service.errors import RingkasError
from service.shipped import folder


class PromptError(RingkasError):
    status = 422
    default_code = "invalid_prompt"


def default_prompts_dir() -> Traversable:
    """The shipped templates: found in a wheel, a zip or a checkout."""
    return folder(__name__)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    variables: tuple[str, ...]
    template: str
    description: str = ""

    def render(self, **values: Any) -> str:
        missing = sorted(set(self.variables) - set(values))
        extra = sorted(set(values) - set(self.variables))
        if missing or extra:
            raise PromptError(f"prompt {self.ref}: missing variables {missing}, unknown {extra}",
                              code="prompt_variables")
        return self.template.format(**values)

    @property
    def ref(self) -> str:
        return f"{self.name}@v{self.version}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version}


def _placeholders(template: str) -> set[str]:
    # "" (from "{}") and digits are positional fields: never valid in a named template.
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


class PromptRegistry:
    def __init__(self, prompts: list[Prompt]) -> None:
        self._by_name: dict[str, dict[int, Prompt]] = {}
        for p in prompts:
            if p.version in self._by_name.setdefault(p.name, {}):
                raise PromptError(f"prompt {p.ref} is defined twice", code="prompt_duplicate")
            self._by_name[p.name][p.version] = p

    @classmethod
    def from_dir(cls, directory: Traversable | None = None) -> PromptRegistry:
        """Every ``*.toml`` of ``directory`` (a Path, say RINGKAS_PROMPTS_DIR), by default
        the shipped ones."""
        directory = directory or default_prompts_dir()
        if not directory.is_dir():  # a mistyped RINGKAS_PROMPTS_DIR, not "no prompts"
            raise PromptError(f"{directory}: no such prompts directory", code="prompt_dir")
        prompts = []
        files = (p for p in directory.iterdir() if p.name.endswith(".toml") and p.is_file())
        for path in sorted(files, key=lambda p: p.name):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
                prompt = Prompt(name=str(data["name"]), version=int(data["version"]),
                                variables=tuple(data["variables"]),
                                template=str(data["template"]),
                                description=str(data.get("description", "")))
            except (KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as exc:
                raise PromptError(f"{path}: not a valid prompt file ({exc})",
                                  code="prompt_file") from None
            if _placeholders(prompt.template) != set(prompt.variables):
                raise PromptError(f"{path}: template placeholders "
                                  f"{sorted(_placeholders(prompt.template))} differ from "
                                  f"variables {sorted(prompt.variables)}", code="prompt_file")
            prompts.append(prompt)
        return cls(prompts)

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def get(self, name: str, version: int | None = None) -> Prompt:
        versions = self._by_name.get(name)
        if not versions:
            raise PromptError(f"unknown prompt {name!r}; known: {', '.join(self.names)}",
                              code="unknown_prompt")
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise PromptError(f"prompt {name!r} has no version {version}; versions: "
                              f"{sorted(versions)}", code="unknown_prompt")
        return versions[version]
