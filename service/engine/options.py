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
