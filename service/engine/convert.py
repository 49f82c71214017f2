"""Convert a transformers seq2seq model (Marian, BART, T5/mT5) into a CTranslate2 model dir.

The directory holds CTranslate2's files (``model.bin``, its own ``config.json``, the
vocabulary), the tokenizer files (the engine tokenises with the model's own tokenizer),
``generation_config.json``, and ``ringkas-ct2.json``: provenance and the window, since the
transformers ``config.json`` that would say them is replaced by CTranslate2's.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.engine.hf import _cached_commit, _in_new_tokens, _window
from service.models import LOCAL_REVISION, ROLES, ModelSpec

META_FILE = "ringkas-ct2.json"


@dataclass(frozen=True)
class ConvertedMeta:
    """What ``ringkas-ct2.json`` records about a converted model."""

    source: str  # the hub id or directory converted
    revision: str
    commit: str | None
    architecture: str
    random_weights: bool
    window: int  # longest input in tokens, specials included
    quantization: str  # the compute type the weights were saved in
    ctranslate2: str  # the converter's version
    # Decoding defaults in CTranslate2's terms (from the model's generation config).
    generation: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> ConvertedMeta:
        data = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        return cls(**data)

    def write(self, path: Path) -> None:
        (path / META_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n",
                                      encoding="utf-8")


def is_ct2_dir(path: str | Path) -> bool:
    path = Path(path)
    return (path / "model.bin").is_file() and (path / META_FILE).is_file()


def _converter(model_id: str, revision: str | None, local_only: bool) -> Any:
    """CTranslate2's TransformersConverter with two fixes for transformers 5: BartConfig no
    longer has ``normalize_before`` (BART is post-norm: False is what the converter needs),
    and loading must honour offline use (local_files_only)."""
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        def load_model(self, model_class: Any, name: str, **kwargs: Any) -> Any:
            model = model_class.from_pretrained(name, local_files_only=local_only, **kwargs)
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

        def load_tokenizer(self, tokenizer_class: Any, name: str, **kwargs: Any) -> Any:
            kw = {"revision": revision} if revision else {}
            return tokenizer_class.from_pretrained(name, local_files_only=local_only,
                                                   **kw, **kwargs)

    return Converter(model_id, revision=revision)


def _generation_defaults(model: Any, tokenizer: Any, role: str) -> dict[str, Any]:
    """The model's generation config as CTranslate2 options: what HFSeq2SeqEngine would do
    by default, so that both backends decode alike."""
    cfg = _in_new_tokens(model.generation_config)
    known = ROLES.get(role)
    no_repeat = cfg.no_repeat_ngram_size or (known.no_repeat_ngram_size if known else 0) or 0
    forced_bos = getattr(cfg, "forced_bos_token_id", None)
    return {
        "beam_size": cfg.num_beams or 1,
        "length_penalty": cfg.length_penalty if cfg.length_penalty is not None else 1.0,
        "no_repeat_ngram_size": no_repeat,
        "max_new_tokens": cfg.max_new_tokens,
        "min_new_tokens": cfg.min_new_tokens or 0,
        # BART-family models force <s> as the first generated token; CT2 takes it as a prefix.
        "prefix_token": (tokenizer.convert_ids_to_tokens(forced_bos)
                         if forced_bos is not None else None),
        # transformers writes EOS in the last allowed position; the CT2 engine mirrors it.
        "forced_eos": getattr(cfg, "forced_eos_token_id", None) is not None,
    }


def _language_start(model: Any, tokenizer: Any, lang: str | None) -> str | None:
    """CrossSum-style models start decoding with the target language's token (see
    hf._start_with_language); CT2 takes it as the decoder start token."""
    langid_map = (getattr(model.config, "task_specific_params", None) or {}).get("langid_map")
    if not lang or not langid_map or lang not in langid_map:
        return None
    token: str = langid_map[lang][1]
    return token


def convert(spec: ModelSpec, out: Path, compute_type: str = "int8", *,
            local_only: bool = True, force: bool = False) -> Path:
    """Convert ``spec``'s model into ``out`` (a CTranslate2 dir with the tokenizer)."""
    import ctranslate2
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    revision = None if spec.revision == LOCAL_REVISION else spec.revision
    kw: dict[str, Any] = {"local_files_only": local_only}
    if revision:
        kw["revision"] = revision
    tokenizer = AutoTokenizer.from_pretrained(spec.model, **kw)
    # Loaded once more here (the converter loads its own copy): the window, provenance and
    # generation defaults come from the transformers objects.
    model = AutoModelForSeq2SeqLM.from_pretrained(spec.model, **kw)
    meta = ConvertedMeta(
        source=spec.model, revision=spec.revision,
        commit=None if revision is None else _cached_commit(spec.model, spec.revision),
        architecture=type(model).__name__,
        random_weights=bool(getattr(model.config, "ringkas_tiny", False)),
        window=_window(model, tokenizer), quantization=compute_type,
        ctranslate2=ctranslate2.__version__,
        generation=_generation_defaults(model, tokenizer, spec.role),
    )
    generation_config = model.generation_config
    known = ROLES.get(spec.role)
    start = _language_start(model, tokenizer, known.target_lang if known else None)
    del model
    _converter(spec.model, revision, local_only).convert(str(out), quantization=compute_type,
                                                         force=force)
    # CT2 wrote its own config.json: save the tokenizer around it, never over it.
    ct2_config = (out / "config.json").read_bytes()
    if start is not None:
        data = json.loads(ct2_config)
        data["decoder_start_token"] = start
        ct2_config = json.dumps(data, indent=2).encode()
    tokenizer.save_pretrained(out)
    generation_config.save_pretrained(out)
    (out / "config.json").write_bytes(ct2_config)
    meta.write(out)
    return out
