"""The engine interface every backend implements: ``generate(texts, params) -> list[str]``,
and ``generate_hypotheses`` for the n best of a beam search (``params.num_hypotheses``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from service.engine.decoding import EffectiveDecoding


@dataclass(frozen=True)
class GenerationParams:
    """Per-call decoding overrides; ``None`` keeps the model's own generation config."""

    max_new_tokens: int | None = None
    min_new_tokens: int | None = None
    num_beams: int | None = None
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    max_time: float | None = None  # seconds; generation stops (and is discarded) past it
    # How many beam-search hypotheses generate_hypotheses returns per input (the beam is
    # widened to at least this); generate returns the best of them.
    num_hypotheses: int | None = None

    def overrides(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class ModelInfo:
    """Provenance of one loaded model, as reported in every response."""

    role: str
    id: str
    revision: str
    backend: str
    architecture: str
    # Set for make-tiny models: their output is noise and responses must say so.
    random_weights: bool = False
    # The hub commit actually loaded (resolved from the cache), whatever branch was asked for.
    commit: str | None = None
    # Weights' numeric type as run: float32 (transformers) or the CTranslate2 compute type.
    compute_type: str = "float32"
    # For a converted (CTranslate2) model: the model it was converted from, ID@REVISION.
    converted_from: str | None = None
    # How the role decodes unless a call overrides it (decoding.EffectiveDecoding).
    decoding: EffectiveDecoding | None = None
    # Why the role runs where it does when that is not what was configured (a conversion
    # that failed its parity check runs on transformers).
    note: str | None = None
    # Where it runs: cpu, or cuda:N for CTranslate2 on a GPU.
    device: str = "cpu"

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["decoding"] = self.decoding.to_json() if self.decoding else None
        return out


@runtime_checkable
class Engine(Protocol):
    info: ModelInfo

    @property
    def max_input_tokens(self) -> int:
        """Longest input (in tokens, specials included) the model accepts."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token count of each text as the model would see it."""
        ...

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        """One output per input, in order. Inputs over ``max_input_tokens`` are an error."""
        ...

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        """Per input, the ``params.num_hypotheses`` (default 1) best hypotheses of one beam
        search, best first, as decoded (two may read alike)."""
        ...


class EngineWrapper:
    """Delegates the engine interface to ``inner``: wrappers (deadlines, recording, caching)
    override ``generate`` (and ``generate_hypotheses`` when they act on n-best calls too)."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.info: ModelInfo = inner.info

    @property
    def max_input_tokens(self) -> int:
        return self.inner.max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        return self.inner.generate(texts, params)

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        return self.inner.generate_hypotheses(texts, params)


def hypotheses_wanted(params: GenerationParams | None) -> int:
    return max(1, (params.num_hypotheses if params else None) or 1)


def count_with(tokenizer: Any, lock: Any, texts: Sequence[str]) -> list[int]:
    """Token counts as ``tokenizer`` sees the texts (specials included, never truncated);
    ``lock`` because a fast tokenizer is not safe to share between threads."""
    if not texts:
        return []
    with lock:
        ids = tokenizer(list(texts), truncation=False, verbose=False)["input_ids"]
    return [len(x) for x in ids]
