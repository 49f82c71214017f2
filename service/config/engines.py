"""Engine options from the config file's ``[engines]`` table and ``RINGKAS_*`` variables.

Validated once, when settings are built: a bad value is a ConfigError naming the setting,
never a failure in the middle of a request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from service.engine.options import BACKENDS, CT2_COMPUTE_TYPES, Decoding, EngineOptions
from service.errors import ConfigError

# Bounds that catch typos (beam 400, max_length 1e6) while allowing every sane setting.
_MAX_BEAM = 32
_MAX_LENGTH = 4096

_DECODING_KEYS = {f.name for f in fields(Decoding)}
OPTION_KEYS = ("backend", "compute_type", *sorted(_DECODING_KEYS))
# Environment variables: RINGKAS_<KEY> for every role, RINGKAS_<KEY>_<ROLE> for one.
_ENV_KEYS = {"backend": "BACKEND", "compute_type": "COMPUTE_TYPE", "beam_size": "BEAM_SIZE",
             "length_penalty": "LENGTH_PENALTY", "no_repeat_ngram_size": "NO_REPEAT_NGRAM",
             "max_length": "MAX_LENGTH"}


def env_var(key: str, role: str | None = None) -> str:
    return f"RINGKAS_{_ENV_KEYS[key]}" + (f"_{role.upper()}" if role else "")


def _error(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _int(where: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise _error(where, f"must be an integer, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _error(where, f"must be an integer from {lo} to {hi}, got {value!r}")
    return value


def _float(where: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _error(where, f"must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not -10 <= value <= 10:
        raise _error(where, f"must be a number from -10 to 10, got {value!r}")
    return float(value)


def _validate(where: str, key: str, value: Any) -> Any:
    """One option's value, checked and converted (strings come from the environment)."""
    at = f"{where} {key}"
    if key == "backend":
        if value not in BACKENDS:
            raise _error(at, f"must be one of {', '.join(BACKENDS)}, got {value!r}")
        return value
    if key == "compute_type":
        if value not in CT2_COMPUTE_TYPES:
            raise _error(at, f"must be one of {', '.join(CT2_COMPUTE_TYPES)}, got {value!r}")
        return value
    if key == "beam_size":
        return _int(at, value, 1, _MAX_BEAM)
    if key == "no_repeat_ngram_size":
        return _int(at, value, 0, 16)
    if key == "max_length":
        return _int(at, value, 1, _MAX_LENGTH)
    if key == "length_penalty":
        return _float(at, value)
    raise _error(where, f"unknown engine option {key!r}; known: {', '.join(OPTION_KEYS)}")


def _apply(options: EngineOptions, values: Mapping[str, Any]) -> EngineOptions:
    top = {k: v for k, v in values.items() if k in ("backend", "compute_type")}
    dec = {k: v for k, v in values.items() if k in _DECODING_KEYS}
    return replace(options, **top, decoding=replace(options.decoding, **dec))


def _check(role: str, options: EngineOptions) -> EngineOptions:
    if options.backend == "transformers" and options.compute_type not in (None, "float32",
                                                                          "default"):
        raise _error(role, f"compute_type {options.compute_type!r} needs backend ctranslate2 "
                     "(the transformers backend runs float32)")
    return options


def resolve_engine_options(roles: Iterable[str], table: Mapping[str, Any] | None = None,
                           env: Mapping[str, str] | None = None,
                           where: str = "config",
                           presets: Mapping[str, Mapping[str, Any]] | None = None,
                           ) -> dict[str, EngineOptions]:
    """Each role's options: defaults < the preset's for the role's model (``presets``) <
    config ``[engines]`` (keys for every role, a ``[engines.<role>]`` table for one) <
    RINGKAS_<KEY> < RINGKAS_<KEY>_<ROLE>."""
    roles = list(roles)
    table, env = table or {}, env or {}
    common: dict[str, Any] = {}
    per_role: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in roles:
            if not isinstance(value, Mapping):
                raise _error(f"{where} engines.{key}", "must be a table of engine options")
            per_role[key] = {k: _validate(f"{where} engines.{key}", k, v)
                             for k, v in value.items()}
        elif key in OPTION_KEYS:
            common[key] = _validate(f"{where} engines", key, value)
        else:
            raise _error(f"{where} engines", f"{key!r} is neither an engine option "
                         f"({', '.join(OPTION_KEYS)}) nor a role ({', '.join(roles)})")
    env_common = {k: _validate(env_var(k), k, env[env_var(k)]) for k in OPTION_KEYS
                  if env.get(env_var(k))}
    out: dict[str, EngineOptions] = {}
    for role in roles:
        env_role = {k: _validate(env_var(k, role), k, env[env_var(k, role)])
                    for k in OPTION_KEYS if env.get(env_var(k, role))}
        options = EngineOptions()
        preset = (presets or {}).get(role, {})
        for layer in (preset, common, per_role.get(role, {}), env_common, env_role):
            options = _apply(options, layer)
        out[role] = _check(role, options)
    return out
