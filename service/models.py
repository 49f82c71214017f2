"""Model roles, their defaults, and how a role resolves to a model id or directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Role:
    name: str
    default_id: str
    default_revision: str
    tiny_arch: str  # which tiny architecture stands in for it (make-tiny)
    purpose: str

    @property
    def env_var(self) -> str:
        return f"RINGKAS_MODEL_{self.name.upper()}"

    @property
    def revision_env_var(self) -> str:
        return f"RINGKAS_REVISION_{self.name.upper()}"


# Revisions are the hub's branch names until a user pins a commit hash through the
# RINGKAS_REVISION_<ROLE> variables; provenance always reports the revision actually used.
ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role("translate_id_en", "Helsinki-NLP/opus-mt-id-en", "main", "marian",
             "Indonesian -> English translation"),
        Role("translate_en_id", "Helsinki-NLP/opus-mt-en-id", "main", "marian",
             "English -> Indonesian translation (Indonesian summary, en->id requests)"),
        Role("summarize", "sshleifer/distilbart-cnn-12-6", "main", "bart",
             "English abstractive summariser"),
    )
}


@dataclass(frozen=True)
class ModelSpec:
    role: str
    model: str  # hub id or local directory
    revision: str
    # True when the model was named as a directory (--models DIR): never a hub id then.
    from_dir: bool = False

    @property
    def is_local(self) -> bool:
        return self.from_dir or Path(self.model).is_dir()


def resolve_specs(
    models_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, ModelSpec]:
    """Pick the model for each role: explicit override > env var > models dir > default."""
    env = os.environ if env is None else env
    overrides = overrides or {}
    models_dir = models_dir or env.get("RINGKAS_MODELS_DIR") or None
    specs: dict[str, ModelSpec] = {}
    for role in ROLES.values():
        model = overrides.get(role.name) or env.get(role.env_var)
        from_dir = not model and bool(models_dir)
        if from_dir:
            model = str(Path(models_dir or "", role.name))
        model = model or role.default_id
        revision = env.get(role.revision_env_var) or role.default_revision
        specs[role.name] = ModelSpec(role.name, model, revision, from_dir)
    return specs

