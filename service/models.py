"""Model roles, their defaults, and how a role resolves to a model id or directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from service.errors import ConfigError


@dataclass(frozen=True)
class Role:
    name: str
    default_id: str
    default_revision: str
    tiny_arch: str  # which tiny architecture stands in for it (make-tiny)
    purpose: str
    # Loaded only when a strategy that needs it is enabled (RINGKAS_STRATEGIES).
    optional: bool = False
    # Cross-lingual mT5 models start decoding with a target-language token.
    target_lang: str | None = None
    # A summariser gets one whole article per request, a translator its sentences: what
    # the CTranslate2 threads are chosen for (service/engine/threads.py).
    whole_texts: bool = False
    # Decoding the default model's card uses, in generate()'s terms: each fills a value the
    # model's own config leaves unset (a no_repeat_ngram_size of 0, the old default written
    # out, counts as unset); a value the config sets is kept. Repetition blocking is here
    # only where the card uses it; RINGKAS_NO_REPEAT_NGRAM[_<ROLE>] adds it for any role.
    card: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}),
                                    compare=False)

    @property
    def env_var(self) -> str:
        return f"RINGKAS_MODEL_{self.name.upper()}"

    @property
    def revision_env_var(self) -> str:
        return f"RINGKAS_REVISION_{self.name.upper()}"


# XL-Sum's and CrossSum's model cards decode with these, and their trainer.sh scripts train
# on targets of at most 84 tokens. XL-Sum's config.json carries them too; CrossSum's lacks
# no_repeat_ngram_size (service/published/SOURCES.md).
_CSEBUETNLP_CARD = {"num_beams": 4, "max_length": 84, "no_repeat_ngram_size": 2}

# Revisions are the hub's branch names until a user pins a commit hash (ID@REVISION, the
# RINGKAS_REVISION_<ROLE> variables or the config file); provenance reports what was used.
ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        # opus-mt and distilbart-cnn carry their decoding in their own config files.
        Role("translate_id_en", "Helsinki-NLP/opus-mt-id-en", "main", "marian",
             "Indonesian -> English translation"),
        Role("translate_en_id", "Helsinki-NLP/opus-mt-en-id", "main", "marian",
             "English -> Indonesian translation (Indonesian summary, en->id requests)"),
        Role("summarize", "sshleifer/distilbart-cnn-12-6", "main", "bart",
             "English abstractive summariser", whole_texts=True),
        Role("summarize_id", "csebuetnlp/mT5_multilingual_XLSum", "main", "t5",
             "Indonesian abstractive summariser (strategy summarise-translate)", optional=True,
             whole_texts=True,
             card=MappingProxyType(_CSEBUETNLP_CARD)),
        Role("crosssum", "csebuetnlp/mT5_m2o_english_crossSum", "main", "t5",
             "Indonesian -> English cross-lingual summariser (strategy direct)", optional=True,
             whole_texts=True,
             target_lang="english", card=MappingProxyType(_CSEBUETNLP_CARD)),
        # mt0's card decodes greedily and names no length (transformers' default is 20
        # tokens): its summaries get the XL-Sum budget, whose data is in mt0's xP3 mixture.
        Role("instruct", "bigscience/mt0-base", "main", "t5",
             "instruction-tuned seq2seq model driven by a prompt template (strategy instruct)",
             optional=True, whole_texts=True, card=MappingProxyType({"max_length": 84})),
    )
}

LOCAL_REVISION = "local"  # what provenance says for a model loaded from a directory

# RINGKAS_PRESET: which published checkpoints a role defaults to, and the decoding a preset
# gives the model it picks (below any configured value). "fast" trades a little summary
# quality for speed: distilbart-cnn-12-3 has half of 12-6's decoder layers, and the
# decoder's steps are most of a summary's time; its model card gives ROUGE-2/L 20.57/30.00
# on CNN/DailyMail against 12-6's 21.26/30.59. It decodes at beam 3 rather than its config's
# 4: the beam the models' author lists for 12-3 after a sweep of beam sizes, as one that
# does not hurt ROUGE-2 (Sam Shleifer, "Num_beams: Faster Summarization without
# Distillation", Hugging Face forum, 2020). docs/performance.md has the measured cost of each.
PRESETS: dict[str, Mapping[str, str]] = {
    "quality": MappingProxyType({}),
    "fast": MappingProxyType({"summarize": "sshleifer/distilbart-cnn-12-3"}),
}
PRESET_DECODING: dict[str, Mapping[str, Mapping[str, Any]]] = {
    "quality": MappingProxyType({}),
    "fast": MappingProxyType({"sshleifer/distilbart-cnn-12-3": MappingProxyType({"beam_size": 3})}),
}
DEFAULT_PRESET = "quality"


def preset_name(env: Mapping[str, str]) -> str:
    name = env.get("RINGKAS_PRESET") or DEFAULT_PRESET
    if name not in PRESETS:
        raise ConfigError(f"RINGKAS_PRESET={name!r}: use one of {', '.join(PRESETS)}")
    return name


def preset_defaults(env: Mapping[str, str]) -> Mapping[str, str]:
    return PRESETS[preset_name(env)]


def preset_decoding(env: Mapping[str, str],
                    specs: Mapping[str, ModelSpec]) -> dict[str, Mapping[str, Any]]:
    """Role -> the decoding the preset gives it: only where the role runs the very model the
    preset names (another model, or a directory, keeps its own)."""
    table = PRESET_DECODING[preset_name(env)]
    return {role: table[spec.model] for role, spec in specs.items()
            if not spec.from_dir and spec.model in table}


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


def split_ref(ref: str) -> tuple[str, str | None]:
    """``org/name@revision`` -> (``org/name``, ``revision``); a directory is taken whole."""
    if "@" in ref and not Path(ref).is_dir():
        model, _, revision = ref.rpartition("@")
        return model, revision or None
    return ref, None


def resolve_specs(
    models_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    configured: Mapping[str, str] | None = None,
) -> dict[str, ModelSpec]:
    """Pick each role's model: ``overrides`` (CLI --model) > RINGKAS_MODEL_<ROLE> >
    ``models_dir`` (DIR/<role>) > ``configured`` (config file) > the published default
    (RINGKAS_PRESET's).
    Each may say ID@REVISION; else RINGKAS_REVISION_<ROLE>, else the default revision."""
    env = os.environ if env is None else env
    overrides, configured = overrides or {}, configured or {}
    models_dir = models_dir or env.get("RINGKAS_MODELS_DIR") or None
    unknown = sorted(set(overrides) - set(ROLES)) + sorted(set(configured) - set(ROLES))
    if unknown:
        raise ConfigError(f"unknown model role {unknown[0]!r}; roles: {', '.join(ROLES)}")
    defaults = preset_defaults(env)
    specs: dict[str, ModelSpec] = {}
    for role in ROLES.values():
        ref = overrides.get(role.name) or env.get(role.env_var)
        if not ref and models_dir:
            path = str(Path(models_dir, role.name))
            specs[role.name] = ModelSpec(role.name, path, LOCAL_REVISION, from_dir=True)
            continue
        model, revision = split_ref(ref or configured.get(role.name)
                                    or defaults.get(role.name, role.default_id))
        if Path(model).is_dir():
            revision = LOCAL_REVISION
        revision = revision or env.get(role.revision_env_var) or role.default_revision
        specs[role.name] = ModelSpec(role.name, model, revision)
    return specs
