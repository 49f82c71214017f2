"""Hugging Face transformers backend for seq2seq models (Marian, BART, T5/mT5)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from service.engine.base import GenerationParams, ModelInfo, count_with, hypotheses_wanted
from service.engine.decoding import EffectiveDecoding, as_options, effective_generation
from service.engine.options import Decoding
from service.errors import EngineError
from service.models import LOCAL_REVISION

if TYPE_CHECKING:
    from transformers import GenerationConfig, PreTrainedModel, PreTrainedTokenizerBase

# T5-family configs have no position limit; their published checkpoints were trained on 512.
_FALLBACK_WINDOW = 512


class HFSeq2SeqEngine:
    """Built from ready objects; ``from_pretrained`` is the one loading path (hub or dir).
    ``generation_config`` is the role's effective one (``decoding.effective_generation``)."""

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                 generation_config: GenerationConfig, info: ModelInfo,
                 decoding: Decoding | None = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.decoding = decoding or Decoding()
        self.generation_config = generation_config
        # generate() merges unset values from the model's own config: keep the two the same.
        self.model.generation_config = self.generation_config
        self._window = window_of(model, tokenizer)
        self.effective = EffectiveDecoding.of(as_options(generation_config, tokenizer),
                                              window=self._window, cap=self.max_output_tokens)
        self.info = replace(info, decoding=self.effective)
        # Fast tokenizers and generate() are not safe to share across threads mid-call;
        # on a 2-core box running one batch at a time is also the fastest schedule. Two
        # locks: counting tokens for the next request need not wait for a running batch.
        self._lock = threading.Lock()
        self._tok_lock = threading.Lock()

    @classmethod
    def from_pretrained(cls, role: str, model_id: str, revision: str = "main", *,
                        local_files_only: bool = False,
                        decoding: Decoding | None = None) -> HFSeq2SeqEngine:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # per-tensor bars are noise in a server's log
        kw: dict[str, Any] = {"local_files_only": local_files_only}
        if revision != LOCAL_REVISION:
            kw["revision"] = revision
        tokenizer = AutoTokenizer.from_pretrained(model_id, **kw)
        model = AutoModelForSeq2SeqLM.from_pretrained(model_id, **kw)
        info = ModelInfo(
            role=role, id=model_id, revision=revision, backend="transformers",
            architecture=type(model).__name__,
            random_weights=bool(getattr(model.config, "ringkas_tiny", False)),
            commit=None if revision == LOCAL_REVISION else _cached_commit(model_id, revision),
        )
        config = effective_generation(model.generation_config, role, model_config=model.config,
                                      tokenizer=tokenizer, decoding=decoding)
        return cls(model, tokenizer, config, info, decoding)

    @property
    def max_input_tokens(self) -> int:
        return self._window

    @property
    def max_output_tokens(self) -> int:
        return min(self._window, self.decoding.max_length or self._window)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return count_with(self.tokenizer, self._tok_lock, texts)

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        return [best[0] for best in self.generate_hypotheses(texts, params)]

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        import torch

        if not texts:
            return []
        params = params or GenerationParams()
        n = hypotheses_wanted(params)
        config = self._config_for(params)
        with self._tok_lock:
            batch = self.tokenizer(list(texts), truncation=False, padding=True, verbose=False,
                                   return_tensors="pt")
        longest = int(batch["attention_mask"].sum(dim=1).max())
        if longest > self._window:
            # Callers chunk; truncating here would silently drop article text.
            raise EngineError(f"input of {longest} tokens exceeds the {self.info.role} "
                              f"model's window of {self._window}")
        with self._lock, torch.inference_mode():
            out = self.model.generate(**batch, generation_config=config)
        with self._tok_lock:
            # Every sequence begins with the decoder start token; CrossSum's language token
            # is an ordinary piece that skip_special_tokens would keep as text.
            decoded = self.tokenizer.batch_decode(out[:, 1:], skip_special_tokens=True)
        # num_return_sequences rows per input, in input order, each input's best first.
        return [[s.strip() for s in decoded[i * n:(i + 1) * n]] for i in range(len(texts))]

    def _config_for(self, params: GenerationParams) -> GenerationConfig:
        config = copy.deepcopy(self.generation_config)
        n = hypotheses_wanted(params)
        for key, value in params.overrides().items():
            if key != "num_hypotheses":
                setattr(config, key, value)
        # The n best of one beam search: at least n beams, n sequences returned.
        config.num_beams = max(config.num_beams or 1, n)
        config.num_return_sequences = n
        cap = self.max_output_tokens
        if config.max_new_tokens is not None:
            config.max_new_tokens = min(config.max_new_tokens, cap)
        if config.min_new_tokens is not None:
            config.min_new_tokens = min(config.min_new_tokens, config.max_new_tokens or cap)
        return config


def _cached_commit(model_id: str, revision: str) -> str | None:
    """The snapshot (commit hash) the hub cache resolves ``revision`` to, if any."""
    from pathlib import Path

    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    if Path(model_id).is_dir():
        return None  # a directory has no hub commit
    try:
        found = try_to_load_from_cache(model_id, "config.json", revision=revision)
    except HFValidationError:
        return None
    return Path(found).parent.name if isinstance(found, str) else None


def window_of(model: Any, tokenizer: Any) -> int:
    limits = [getattr(model.config, "max_position_embeddings", None),
              getattr(tokenizer, "model_max_length", None)]
    # Tokenizers without a limit report a huge sentinel (1e30); ignore it.
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < 100_000]
    return min(usable) if usable else _FALLBACK_WINDOW
