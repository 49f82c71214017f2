"""The published checkpoints' behaviour-shaping files, reconstructed from public sources.

One folder per role: the hub repository's ``config.json``, ``generation_config.json`` (only
where the repository has one), ``tokenizer_config.json`` and ``special_tokens_map.json``,
and ``layout.json`` (the tokenizer's files, sizes and special-token ids and pieces).
``SOURCES.md`` says where each value comes from and what is unverified. ``ringkas models
make-tiny`` builds every stand-in from these, changing sizes only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Published:
    role: str
    model_id: str
    config: dict[str, Any]
    generation_config: dict[str, Any] | None  # None: the repository ships none
    tokenizer_config: dict[str, Any] | None
    special_tokens_map: dict[str, Any] | None
    layout: dict[str, Any]


def _read(role: str, name: str) -> dict[str, Any] | None:
    path = resources.files(__name__).joinpath(role, name)
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load(role: str) -> Published:
    """The published files of ``role``'s default model."""
    from service.models import ROLES

    config, layout = _read(role, "config.json"), _read(role, "layout.json")
    if config is None or layout is None:
        raise FileNotFoundError(f"no published config for role {role!r}")
    return Published(role, ROLES[role].default_id, config,
                     _read(role, "generation_config.json"),
                     _read(role, "tokenizer_config.json"),
                     _read(role, "special_tokens_map.json"), layout)
