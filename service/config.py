"""Service settings: one frozen object, built from defaults, environment and CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from service.errors import RingkasError
from service.models import ModelSpec, resolve_specs


class ConfigError(RingkasError):
    default_code = "invalid_config"


@dataclass(frozen=True)
class Limits:
    """Request limits; every one is answered with a JSON 413 that names it."""

    max_request_bytes: int = 2_000_000
    max_text_chars: int = 100_000
    max_texts: int = 64


@dataclass(frozen=True)
class Settings:
    models: Mapping[str, ModelSpec] = field(default_factory=resolve_specs)
    host: str = "127.0.0.1"
    port: int = 8000
    server_threads: int = 4
    torch_threads: int = 0  # 0: leave torch's own choice (one per core)
    translate_batch_size: int = 16
    background_load: bool = False
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, models_dir: str | None = None,
                 model_overrides: Mapping[str, str] | None = None,
                 **overrides: Any) -> Settings:
        """Defaults < RINGKAS_* environment < explicit keyword overrides (CLI flags)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var, kind in _ENV:
            if var in env and env[var] != "":
                values[name] = _parse(var, env[var], kind)
        limits = Limits(**{k: values.pop(k) for k in list(values) if k in _LIMIT_FIELDS})
        values.update({k: v for k, v in overrides.items() if v is not None})
        specs = resolve_specs(models_dir, model_overrides, env)
        return cls(models=specs, limits=limits, **values)

    def with_limits(self, **changes: int) -> Settings:
        return replace(self, limits=replace(self.limits, **changes))


_LIMIT_FIELDS = {f.name for f in fields(Limits)}
_ENV: list[tuple[str, str, type]] = [
    ("host", "RINGKAS_HOST", str),
    ("port", "RINGKAS_PORT", int),
    ("server_threads", "RINGKAS_THREADS", int),
    ("torch_threads", "RINGKAS_TORCH_THREADS", int),
    ("translate_batch_size", "RINGKAS_BATCH_SIZE", int),
    ("background_load", "RINGKAS_BACKGROUND_LOAD", bool),
    ("max_request_bytes", "RINGKAS_MAX_REQUEST_BYTES", int),
    ("max_text_chars", "RINGKAS_MAX_TEXT_CHARS", int),
    ("max_texts", "RINGKAS_MAX_TEXTS", int),
]


def _parse(var: str, raw: str, kind: type) -> Any:
    if kind is bool:
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{var} must be true or false, got {raw!r}")
    if kind is int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{var} must be an integer, got {raw!r}") from None
        if value < 0:
            raise ConfigError(f"{var} must not be negative, got {value}")
        return value
    return raw
