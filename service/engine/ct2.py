"""CTranslate2 backend: the same batch-first interface on a converted (``ringkas models
convert``) model, int8 by default on CPU."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from service.engine.base import GenerationParams, ModelInfo, hypotheses_wanted
from service.engine.convert import META_FILE, ConvertedMeta, is_ct2_dir
from service.engine.decoding import EffectiveDecoding
from service.engine.options import Decoding, parse_device
from service.engine.tokenize import Tokenizer, load_tokenizer
from service.errors import EngineError
from service.models import LOCAL_REVISION, ModelSpec


class CT2Seq2SeqEngine:
    def __init__(self, translator: Any, tokenizer: Tokenizer, meta: ConvertedMeta, info: ModelInfo,
                 decoding: Decoding | None = None, workers: int = 1,
                 model_dir: Path | None = None) -> None:
        self.translator = translator
        # Where the converted model is (its vocabulary files): not info.id, which names the
        # model the role was configured with.
        self.model_dir = model_dir
        self.workers = max(1, workers)  # the translator's inter_threads
        self.tokenizer = tokenizer
        self.meta = meta
        self.decoding = decoding or Decoding()
        gen = dict(meta.generation)
        if self.decoding.beam_size is not None:
            gen["beam_size"] = self.decoding.beam_size
        if self.decoding.length_penalty is not None:
            gen["length_penalty"] = self.decoding.length_penalty
        if self.decoding.no_repeat_ngram_size is not None:
            gen["no_repeat_ngram_size"] = self.decoding.no_repeat_ngram_size
        self.generation = gen
        self.effective = EffectiveDecoding.of(gen, window=meta.window,
                                              cap=self.max_output_tokens)
        self.info = replace(info, decoding=self.effective)
        # Tokenizers are not safe to share across threads mid-call; the translator is, and
        # runs one batch at a time per inter-op worker.
        self._tok_lock = threading.Lock()

    @classmethod
    def from_dir(cls, role: str, path: str | Path, *, compute_type: str = "default",
                 intra_threads: int = 0, inter_threads: int = 0,
                 decoding: Decoding | None = None,
                 configured: ModelSpec | None = None,
                 whole_texts: bool = False, device: str = "cpu") -> CT2Seq2SeqEngine:
        """``configured``: the model the role was configured with, when ``path`` is its
        cached conversion (provenance then names that model, not the cache). Threads 0:
        chosen for this machine (``service.engine.threads``). ``device``: cpu, cuda or
        cuda:N (RINGKAS_DEVICE)."""
        from service.engine.openmp import import_ctranslate2
        from service.engine.threads import ct2_threads

        ctranslate2 = import_ctranslate2()
        kind, index = parse_device(device)
        threads = ct2_threads(inter_threads, intra_threads, whole_texts=whole_texts,
                              device=kind)

        path = Path(path)
        if not is_ct2_dir(path):
            raise EngineError(f"{path} is not a CTranslate2 model directory (no model.bin and "
                              f"{META_FILE}): convert it with `ringkas models convert`")
        if kind == "cuda":
            from service.engine.gpu import load_cuda_libraries

            load_cuda_libraries()
            found = ctranslate2.get_cuda_device_count()
            if index >= found:
                raise EngineError(
                    f"RINGKAS_DEVICE={device}, and CTranslate2 finds {found} CUDA device(s): "
                    "check the driver (nvidia-smi) and install the CUDA libraries with "
                    "pip install 'ringkas[gpu]'", code="device_unavailable")
        supported = ctranslate2.get_supported_compute_types(kind, index)
        if compute_type not in ("default", "auto") and compute_type not in supported:
            raise EngineError(f"this {'CPU' if kind == 'cpu' else 'GPU'} does not support "
                              f"compute type {compute_type!r}; it does: "
                              f"{', '.join(sorted(supported))}")
        meta = ConvertedMeta.read(path)
        translator = ctranslate2.Translator(str(path), device=kind, device_index=index,
                                            compute_type=compute_type,
                                            intra_threads=threads.cores_each,
                                            inter_threads=threads.workers)
        tokenizer = load_tokenizer(path)  # no transformers: this process may never load torch
        info = ModelInfo(
            role=role, id=configured.model if configured else str(path),
            revision=configured.revision if configured else LOCAL_REVISION,
            backend="ctranslate2",
            architecture=meta.architecture, random_weights=meta.random_weights,
            commit=meta.commit,
            compute_type=meta.quantization if compute_type in ("default", "auto")
            else compute_type,
            converted_from=f"{meta.source}@{meta.revision}",
            device="cpu" if kind == "cpu" else f"cuda:{index}",
        )
        return cls(translator, tokenizer, meta, info, decoding, workers=threads.workers,
                   model_dir=path)

    @property
    def max_input_tokens(self) -> int:
        return self.meta.window

    @property
    def max_output_tokens(self) -> int:
        return min(self.meta.window, self.decoding.max_length or self.meta.window)

    def sub_batch_size(self, n: int) -> int:
        """translate_batch's max_batch_size for a batch of ``n`` texts: a share for each
        worker, so that one request's sentences keep every worker busy (0: no split).
        CTranslate2 sorts the texts by length before it cuts, and keeps their order."""
        if self.workers < 2 or n < 2:
            return 0
        return -(-n // min(self.workers, n))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        with self._tok_lock:
            return [len(p) for p in self.tokenizer.pieces(texts)]

    def _options(self, params: GenerationParams) -> dict[str, Any]:
        gen = self.generation
        cap = self.max_output_tokens
        max_new = min(params.max_new_tokens or gen["max_new_tokens"] or cap, cap)
        min_new = min(params.min_new_tokens if params.min_new_tokens is not None
                      else gen["min_new_tokens"], max_new)
        # CT2 counts a target prefix (BART's forced <s>) in the decoding length, as
        # transformers counts the forced token in its new tokens.
        n = hypotheses_wanted(params)
        return {
            # The n best of one beam search (num_hypotheses, not return_alternatives, which
            # expands alternatives at one position): at least n beams.
            "beam_size": max(params.num_beams or gen["beam_size"], n),
            "num_hypotheses": n,
            "length_penalty": (params.length_penalty if params.length_penalty is not None
                               else gen["length_penalty"]),
            "no_repeat_ngram_size": (params.no_repeat_ngram_size
                                     if params.no_repeat_ngram_size is not None
                                     else gen["no_repeat_ngram_size"]),
            "max_decoding_length": max_new,
            "min_decoding_length": min_new,
            "max_input_length": 0,  # never truncate: callers chunk to the window
        }

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        return [best[0] for best in self.generate_hypotheses(texts, params)]

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        if not texts:
            return []
        outputs = self.generate_token_hypotheses(texts, params)
        with self._tok_lock:
            decoded = [[self.tokenizer.decode(t).strip() for t in hyps] for hyps in outputs]
        return decoded

    def generate_tokens(self, texts: Sequence[str],
                        params: GenerationParams | None = None) -> list[list[str]]:
        """The output tokens of each text (the target prefix included, no start token)."""
        return [hyps[0] for hyps in self.generate_token_hypotheses(texts, params)]

    def generate_token_hypotheses(self, texts: Sequence[str],
                                  params: GenerationParams | None = None,
                                  ) -> list[list[list[str]]]:
        """Per text, the output tokens of each of its ``num_hypotheses`` best, best first."""
        options = self._options(params or GenerationParams())
        with self._tok_lock:
            source = self.tokenizer.pieces(texts)
        longest = max(len(x) for x in source)
        if longest > self.meta.window:
            raise EngineError(f"input of {longest} tokens exceeds the {self.info.role} "
                              f"model's window of {self.meta.window}")
        prefix = self.generation.get("prefix_token")
        suppress = [[token] for token in self.generation.get("suppress") or ()]
        results = self.translator.translate_batch(
            source, target_prefix=[[prefix]] * len(source) if prefix else None,
            suppress_sequences=suppress or None,
            max_batch_size=self.sub_batch_size(len(source)), **options)
        cap = options["max_decoding_length"]
        return [[self._trimmed(list(h), cap) for h in result.hypotheses] for result in results]

    def _trimmed(self, tokens: list[str], cap: int) -> list[str]:
        if self.generation.get("forced_eos") and len(tokens) >= cap:
            # transformers spends the last allowed step on a forced EOS; so do we.
            return tokens[:-1]
        return tokens
