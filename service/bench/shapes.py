"""Random-weight models of the published checkpoints' exact shapes, for the benchmark.

Speed and memory depend on the shapes, not on the weights: a random opus-mt-id-en of the
published size costs what the real one costs, token for token. Each model is built from the
published files in ``service/published/<role>/`` (the same ones the test stand-ins come
from): config.json, generation_config.json where the repository has one, and the tokenizer
config, all unchanged. The tokenizers are trained on the seed article and NTREX-128 text,
then filled up to the published vocabulary size with placeholder pieces (so the embedding
and output layers have the published rows, and the special tokens their published ids).
Placeholders get a large negative output bias: random weights then write pieces of the
trained vocabulary, text of a realistic tokenised length for the next stage (the
summariser), and the compute is unchanged (the bias add is part of the published models).
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.published import Published, load
from service.tiny import _mark, _save, _tokenizer_files, _train_spm


@dataclass(frozen=True)
class Shape:
    name: str
    role: str  # whose published files (service/published/<role>/) it is built from
    # Config fields changed from the published ones; empty: the published shape.
    sizes: tuple[tuple[str, int], ...] = field(default=())
    trained_vocab: int = 8000  # tokenizer pieces learnt from the corpus
    # False: the vocabulary is what the corpus gives (a smoke test's toy models).
    published_vocab: bool = True
    note: str = ""  # where a shape that is not in service/published comes from

    def published(self) -> Published:
        return load(self.role)

    def config(self) -> dict[str, Any]:
        config = copy.deepcopy(self.published().config)
        config.update(dict(self.sizes))
        return config


def _tiny(role: str, d_model: int) -> Shape:
    """The same code paths at toy sizes: the benchmark's own smoke test."""
    return Shape(f"tiny-{role}", role, (
        ("d_model", d_model), ("encoder_layers", 2), ("decoder_layers", 2),
        ("num_hidden_layers", 2), ("encoder_attention_heads", 2),
        ("decoder_attention_heads", 2), ("encoder_ffn_dim", 128), ("decoder_ffn_dim", 128)),
        trained_vocab=400, published_vocab=False)


# The default model set, as the service loads it (one model per role).
PUBLISHED = (Shape("opus-mt-id-en", "translate_id_en"), Shape("opus-mt-en-id", "translate_en_id"),
             Shape("distilbart-cnn-12-6", "summarize"))
TINY = (_tiny("translate_id_en", 64), _tiny("translate_en_id", 64), _tiny("summarize", 64))
SHAPES = {"published": PUBLISHED, "tiny": TINY}

# distilbart-cnn-12-6's smaller published siblings: the same student recipe with fewer
# layers (the model names and the model card's table say which); every other field of
# 12-6's config.json is assumed unchanged (inferred, not checked against their files).
_SIBLING = "12-6's config.json with the layer counts of the name (inferred)"
SUMMARISERS = {
    "12-6": PUBLISHED[2],
    "12-3": Shape("distilbart-cnn-12-3", "summarize", (("decoder_layers", 3),), note=_SIBLING),
    "6-6": Shape("distilbart-cnn-6-6", "summarize",
                 (("encoder_layers", 6), ("num_hidden_layers", 6)), note=_SIBLING),
}
# The beam the distilbart-cnn models' author lists for each, after a sweep of beam sizes,
# as one that does not hurt ROUGE-2 on CNN/DailyMail (Sam Shleifer, "Num_beams: Faster
# Summarization without Distillation", discuss.huggingface.co/t/2009, 2020); their own
# generation_config.json says 4.
NO_LOSS_BEAMS = {"12-6": 2, "12-3": 3, "6-6": 2}


# The full run: each model at its own beam, and 12-6 and 12-3 at their author's beams.
FULL_RUN_SUMMARISERS = ("12-6", "12-3", "6-6", "12-6@2", "12-3@3")


def summariser_variant(text: str) -> tuple[str, int | None]:
    """``12-6`` or ``12-6@2`` (at beam 2) -> (summariser, beam or None: its own)."""
    name, at, beam = text.partition("@")
    if name not in SUMMARISERS or (at and not (beam.isdigit() and 1 <= int(beam) <= 32)):
        raise ValueError(text)
    return name, int(beam) if beam else None


# Published ROUGE-2 / ROUGE-L on CNN/DailyMail and speed-up over bart-large-cnn (the
# sshleifer/distilbart model card's table).
SUMMARISER_CARD = {"12-6": (21.26, 30.59, 1.24), "12-3": (20.57, 30.00, 1.78),
                   "6-6": (20.17, 29.70, 2.09)}


def corpus_lines() -> list[str]:
    """The seed article(s) and both sides of the NTREX-128 documents (shipped data)."""
    from eval.dataset import NTREX, resource
    from service.seeds import articles

    lines = [ln.strip() for p in articles()
             for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    ntrex = resource(NTREX)
    if ntrex.is_file():
        for row in ntrex.read_text(encoding="utf-8").splitlines():
            doc = json.loads(row)
            lines += [s for side in ("id", "en") for s in doc.get(side, [])]
    return lines


def _suppress(model: Any, first_placeholder: int, last: int, banned: Sequence[int] = ()) -> None:
    """Output bias that keeps random weights on the trained part of the vocabulary."""
    import torch

    with torch.no_grad():
        bias = torch.zeros_like(model.final_logits_bias)
        bias[..., first_placeholder:last] = -1e4
        for token in banned:
            bias[..., token] = -1e4
        model.final_logits_bias.copy_(bias)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def build_marian(shape: Shape, out: Path, lines: Sequence[str]) -> Path:
    """opus-mt: one sentencepiece model as source.spm and target.spm over vocab.json, with
    </s>=0, <unk>=1 and <pad> the last id (the published vocabulary size)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    published = shape.published()
    config = shape.config()
    out.mkdir(parents=True, exist_ok=True)
    proto = _train_spm(lines, shape.trained_vocab, model_type="unigram", unk_id=1, eos_id=0,
                       bos_id=-1, pad_id=-1)
    (out / "source.spm").write_bytes(proto)
    (out / "target.spm").write_bytes(proto)
    proc = spm.SentencePieceProcessor(model_proto=proto)
    vocab = {proc.id_to_piece(i): i for i in range(proc.get_piece_size())}
    trained = len(vocab)
    size = published.layout["tokenizer_vocab_size"] if shape.published_vocab else trained + 1
    while len(vocab) < size - 1:
        vocab[f"▁<placeholder{len(vocab)}>"] = len(vocab)
    pad = len(vocab)
    vocab["<pad>"] = pad
    _write_json(out / "vocab.json", vocab)
    ids = {"vocab_size": len(vocab), "decoder_vocab_size": len(vocab), "pad_token_id": pad,
           "decoder_start_token_id": pad, "bad_words_ids": [[pad]]}
    for key, value in ids.items():
        if key in config:
            config[key] = value
    generation = copy.deepcopy(published.generation_config or {})
    generation.update({k: v for k, v in ids.items() if k in generation})
    model = MarianMTModel(_mark(MarianConfig.from_dict(config)))
    with torch.no_grad():
        model.model.shared.weight[pad].zero_()  # Marian's converter writes <pad> as zeros
    _suppress(model, trained, pad, banned=(pad,))
    _save(model, out, config, published, generation)
    _tokenizer_files(out, published, None)
    return out


def build_bart(shape: Shape, out: Path, lines: Sequence[str]) -> Path:
    """distilbart-cnn: byte-level BPE vocab.json + merges.txt with <s>=0, <pad>=1, </s>=2,
    <unk>=3, and <mask> one past the config's vocab_size (50264 of 50265), as published.
    No generation_config.json: the repository has none."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration

    published = shape.published()
    config = shape.config()
    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(lines, vocab_size=shape.trained_vocab, min_frequency=2,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    with tempfile.TemporaryDirectory() as tmp:
        bpe.save_model(tmp)
        vocab = json.loads(Path(tmp, "vocab.json").read_text(encoding="utf-8"))
        (out / "merges.txt").write_bytes(Path(tmp, "merges.txt").read_bytes())
    trained = len(vocab)
    short_by = published.layout["tokenizer_vocab_size"] - published.config["vocab_size"]
    if not shape.published_vocab:
        config["vocab_size"] = trained + 1 - short_by
    while len(vocab) < config["vocab_size"] + short_by - 1:  # no merges lead to these
        vocab[f"Ġ<placeholder{len(vocab)}>"] = len(vocab)
    vocab["<mask>"] = len(vocab)
    _write_json(out / "vocab.json", vocab)
    model = BartForConditionalGeneration(_mark(BartConfig.from_dict(config)))
    _suppress(model, trained, config["vocab_size"])
    _save(model, out, config, published, None)
    _tokenizer_files(out, published, None)
    return out


def is_built(shape: Shape, out: Path) -> bool:
    done = out / ".complete"
    return done.is_file() and done.read_text() == repr(shape)


def build(shape: Shape, out: Path, lines: Sequence[str]) -> Path:
    """Build once: an existing complete directory of this shape is reused."""
    done = out / ".complete"
    if is_built(shape, out):
        return out
    import torch
    from transformers.utils import logging

    # Progress bars and warnings about the published configs' own fields are noise here.
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    torch.manual_seed(0)
    arch = shape.published().config["model_type"]
    (build_marian if arch == "marian" else build_bart)(shape, out, lines)
    done.write_text(repr(shape))
    return out
