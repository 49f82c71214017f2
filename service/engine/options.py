"""Per-role engine options: which backend, which compute type, and how to decode.

Plain values: an engine is built from them and never reads settings or the environment
(``service.config.engines`` validates and layers them when settings are built).
"""

from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("transformers", "ctranslate2")
# What CTranslate2 can be asked for on any device; what the CPU actually supports is
# checked when the model loads (ctranslate2.get_supported_compute_types).
CT2_COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16",
                     "int8_bfloat16", "int16", "float16", "bfloat16", "float32")
# int8 is CTranslate2's default on a CPU: ~4x smaller weights, and the fastest kernels there.
DEFAULT_CT2_COMPUTE_TYPE = "int8"
# On a GPU: int8 weights (the cached conversion, as on a CPU) with float16 arithmetic, the
# tensor cores' type; CTranslate2 turns the int8 model into it as it loads.
GPU_COMPUTE_TYPE = "int8_float16"
DEVICES = ("cpu", "cuda")


def parse_device(value: str) -> tuple[str, int]:
    """``cpu``, ``cuda`` or ``cuda:N`` as (device, index); ValueError otherwise."""
    kind, colon, index = value.strip().lower().partition(":")
    if kind not in DEVICES or (colon and (kind == "cpu" or not index.isdigit())):
        raise ValueError(f"{value!r} is not a device: cpu, cuda or cuda:N")
    return kind, int(index or 0)


def load_compute_type(compute_type: str | None, device: str) -> str:
    """The compute type a converted model is loaded with: the configured one, else the
    cached conversion's own on a CPU ("default") and GPU_COMPUTE_TYPE on a GPU."""
    if compute_type is not None:
        return compute_type
    return "default" if parse_device(device)[0] == "cpu" else GPU_COMPUTE_TYPE


@dataclass(frozen=True)
class Decoding:
    """Per-role decoding defaults; ``None`` keeps the model's own generation config."""

    beam_size: int | None = None
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    max_length: int | None = None  # output tokens: caps every call's max_new_tokens


@dataclass(frozen=True)
class EngineOptions:
    # CTranslate2 by default: int8 on CPU is several times faster than transformers float32
    # and needs no torch in the serving process (models convert on first load).
    backend: str = "ctranslate2"
    compute_type: str | None = None  # None: float32 on transformers, int8 on ctranslate2
    decoding: Decoding = Decoding()

    @property
    def effective_compute_type(self) -> str:
        if self.compute_type is not None:
            return self.compute_type
        return DEFAULT_CT2_COMPUTE_TYPE if self.backend == "ctranslate2" else "float32"
