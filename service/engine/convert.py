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

from service.engine.decoding import as_options, effective_generation
from service.engine.hf import window_of
from service.models import ModelSpec

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
    # What ``ringkas models check`` measured against the source right after conversion.
    parity: dict[str, Any] | None = None

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


def _converter(model_dir: str) -> Any:
    """CTranslate2's TransformersConverter with two fixes for transformers 5: BartConfig no
    longer has ``normalize_before`` (BART is post-norm: False is what the converter needs),
    and the decoder output scale follows what transformers' forward does."""
    from service.engine.openmp import import_ctranslate2

    import_ctranslate2()
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        def load_model(self, model_class: Any, name: str, **kwargs: Any) -> Any:
            model = model_class.from_pretrained(name, local_files_only=True, **kwargs)
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            if model.config.model_type in ("t5", "mt5"):
                # CTranslate2's T5 loader scales the decoder output by d_model**-0.5 whenever
                # tie_word_embeddings is set, and transformers 5 always sets it for mT5 —
                # whose forward never scales (T5's does only with scale_decoder_outputs).
                model.config.tie_word_embeddings = bool(
                    getattr(model.config, "scale_decoder_outputs", False))
            return model

        def load_tokenizer(self, tokenizer_class: Any, name: str, **kwargs: Any) -> Any:
            return tokenizer_class.from_pretrained(name, local_files_only=True, **kwargs)

    return Converter(model_dir)


def source_dir(spec: ModelSpec) -> tuple[str, str | None]:
    """The local directory holding ``spec``'s files and the hub commit it is (None for a
    directory). A hub model is read from its cache snapshot, so config, weights and
    tokenizer all come from the one pinned revision, with no network."""
    if spec.is_local:
        return spec.model, None
    from huggingface_hub import snapshot_download

    path = snapshot_download(spec.model, revision=spec.revision, local_files_only=True)
    return path, Path(path).name


def convert(spec: ModelSpec, out: Path, compute_type: str = "int8", *,
            force: bool = False) -> Path:
    """Convert ``spec``'s model (a directory or a hub model in the local cache) into
    ``out``: a CTranslate2 dir with the tokenizer."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from service.engine.openmp import import_ctranslate2

    ctranslate2 = import_ctranslate2()

    hf_logging.disable_progress_bar()
    path, commit = source_dir(spec)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    # Loaded once more here (the converter loads its own copy): the window, provenance and
    # generation defaults come from the transformers objects.
    model = AutoModelForSeq2SeqLM.from_pretrained(path, local_files_only=True)
    generation = effective_generation(model.generation_config, spec.role,
                                      model_config=model.config, tokenizer=tokenizer)
    meta = ConvertedMeta(
        source=str(Path(path).resolve()) if commit is None else spec.model,
        revision=spec.revision, commit=commit,
        architecture=type(model).__name__,
        random_weights=bool(getattr(model.config, "ringkas_tiny", False)),
        window=window_of(model, tokenizer), quantization=compute_type,
        ctranslate2=ctranslate2.__version__,
        generation=as_options(generation, tokenizer),
    )
    generation_config = model.generation_config
    del model
    _converter(path).convert(str(out), quantization=compute_type, force=force)
    # CT2 wrote its own config.json: save the tokenizer around it, never over it.
    data = json.loads((out / "config.json").read_bytes())
    if meta.architecture != "MarianMTModel":
        # The role's start token (CrossSum: the language's). CTranslate2's Marian decoder
        # starts from a zero embedding, as transformers' does from <pad>'s zero row, and
        # its vocabulary has no <pad>: left as the converter wrote it.
        data["decoder_start_token"] = meta.generation["start_token"]
    ct2_config = json.dumps(data, indent=2).encode()
    tokenizer.save_pretrained(out)
    generation_config.save_pretrained(out)
    (out / "config.json").write_bytes(ct2_config)
    meta.write(out)
    return out


def record_parity(path: Path, parity: dict[str, Any]) -> None:
    """Keep what the parity check measured with the converted model."""
    meta = ConvertedMeta.read(path)
    ConvertedMeta(**{**asdict(meta), "parity": parity}).write(path)
