"""Random-weight models with the published shapes of the default models, for the benchmark.

Speed and memory depend on the shapes, not on the weights: a random opus-mt-id-en of the
published size costs what the real one costs, token for token. The tokenizers are trained on
the seed article and NTREX-128 text, then their vocabularies are filled up to the published
size with placeholder tokens (so the embedding and output layers have the published rows).
Placeholder tokens get a large negative output bias: random weights then write pieces of the
trained vocabulary, text of a realistic tokenised length for the next stage (the summariser),
and the compute is unchanged (the bias add is part of the published models too).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.tiny import _mark, _train_spm


@dataclass(frozen=True)
class Shape:
    name: str
    arch: str  # marian | bart
    d_model: int
    encoder_layers: int
    decoder_layers: int
    heads: int
    ffn: int
    vocab: int
    window: int
    trained_vocab: int  # tokenizer pieces learnt from the corpus; the rest are placeholders


# The published configs (config.json on the hub) of the two default architectures.
OPUS_MT_ID_EN = Shape("opus-mt-id-en", "marian", 512, 6, 6, 8, 2048, 54_796, 512, 8000)
DISTILBART_CNN_12_6 = Shape("distilbart-cnn-12-6", "bart", 1024, 12, 6, 16, 4096, 50_264, 1024,
                            8000)
# Small stand-ins with the same code paths, for the benchmark's own smoke test.
TINY_MARIAN = Shape("tiny-marian", "marian", 64, 2, 2, 2, 128, 1000, 512, 400)
TINY_BART = Shape("tiny-bart", "bart", 64, 2, 2, 2, 128, 1000, 1024, 400)

SHAPES = {"published": (OPUS_MT_ID_EN, DISTILBART_CNN_12_6), "tiny": (TINY_MARIAN, TINY_BART)}


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


def _suppress(model: Any, first_placeholder: int, pad: int | None = None) -> None:
    """Output bias that keeps random weights on the trained part of the vocabulary."""
    import torch

    bias = torch.zeros_like(model.final_logits_bias)
    bias[..., first_placeholder:] = -1e4
    if pad is not None:
        bias[..., pad] = -1e4
    model.final_logits_bias.copy_(bias)


def build_marian(shape: Shape, out: Path, lines: Sequence[str]) -> Path:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    proto = _train_spm(lines, shape.trained_vocab, model_type="unigram", unk_id=1, eos_id=0,
                       bos_id=-1, pad_id=-1)
    (out / "source.spm").write_bytes(proto)
    (out / "target.spm").write_bytes(proto)
    proc = spm.SentencePieceProcessor(model_proto=proto)
    pieces = [proc.id_to_piece(i) for i in range(proc.get_piece_size())]
    vocab = {p: i for i, p in enumerate(pieces)}
    trained = len(vocab)
    while len(vocab) < shape.vocab - 1:  # opus-mt: <pad> is the last id
        vocab[f"▁<placeholder{len(vocab)}>"] = len(vocab)
    pad = len(vocab)
    vocab["<pad>"] = pad
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
                          vocab=str(out / "vocab.json"), model_max_length=shape.window)
    config = MarianConfig(
        vocab_size=shape.vocab, d_model=shape.d_model, encoder_layers=shape.encoder_layers,
        decoder_layers=shape.decoder_layers, encoder_attention_heads=shape.heads,
        decoder_attention_heads=shape.heads, encoder_ffn_dim=shape.ffn,
        decoder_ffn_dim=shape.ffn, max_position_embeddings=shape.window, pad_token_id=pad,
        decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
        activation_function="swish", scale_embedding=True,
    )
    model = MarianMTModel(_mark(config))
    with torch.no_grad():
        _suppress(model, trained, pad)
    gen = model.generation_config  # opus-mt's published generation settings
    gen.num_beams, gen.max_length, gen.bad_words_ids = 4, shape.window, [[pad]]
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def build_bart(shape: Shape, out: Path, lines: Sequence[str]) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(lines, vocab_size=shape.trained_vocab, min_frequency=2,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    with tempfile.TemporaryDirectory() as tmp:
        bpe.save_model(tmp)
        vocab = json.loads(Path(tmp, "vocab.json").read_text(encoding="utf-8"))
        trained = len(vocab)
        while len(vocab) < shape.vocab:  # no merges lead to these: never produced by encoding
            vocab[f"Ġ<placeholder{len(vocab)}>"] = len(vocab)
        Path(tmp, "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False),
                                           encoding="utf-8")
        tok = BartTokenizer.from_pretrained(tmp, model_max_length=shape.window)
    config = BartConfig(
        vocab_size=shape.vocab, d_model=shape.d_model, encoder_layers=shape.encoder_layers,
        decoder_layers=shape.decoder_layers, encoder_attention_heads=shape.heads,
        decoder_attention_heads=shape.heads, encoder_ffn_dim=shape.ffn,
        decoder_ffn_dim=shape.ffn, max_position_embeddings=shape.window, pad_token_id=1,
        bos_token_id=0, eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=2,
        activation_function="gelu",
    )
    model = BartForConditionalGeneration(_mark(config))
    with torch.no_grad():
        _suppress(model, trained)
    gen = model.generation_config  # distilbart-cnn-12-6's published generation settings
    gen.num_beams, gen.length_penalty, gen.max_length, gen.min_length = 4, 2.0, 142, 56
    gen.no_repeat_ngram_size, gen.early_stopping, gen.forced_bos_token_id = 3, True, 0
    model.save_pretrained(out)
    tok.save_pretrained(out)
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

    torch.manual_seed(0)
    (build_marian if shape.arch == "marian" else build_bart)(shape, out, lines)
    done.write_text(repr(shape))
    return out
