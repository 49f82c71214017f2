"""Tiny random-weight models of the real architectures, for plumbing checks and tests.

Their output is noise. They exist so that the real loading path (``from_pretrained`` on a
directory) can be exercised where no model hub is reachable: each model is a Marian, BART
or T5/mT5 of the published architecture with small dimensions, random weights and a
tokenizer trained on the seed articles, saved with ``save_pretrained``.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from service.models import ROLES

# Every model make-tiny writes carries this marker in its config so that responses can
# say, honestly, that the text they return was produced by random weights.
_NOISE_NOTE = "ringkas tiny model: random weights, output is noise; for plumbing checks and tests"

# Deliberately small: big enough to force chunking on an article, small enough for CI.
SUMMARY_WINDOW = 256
TRANSLATION_WINDOW = 128
# With the usual 0.02 init a tiny decoder ignores its input and says the same thing for
# every sentence; a wider init lets different inputs give different outputs.
_INIT_STD = 0.5


def default_corpus() -> list[Path]:
    """The seed articles of a source checkout, the text the tiny tokenizers learn from."""
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    return sorted(seeds.glob("*.txt"))


def _corpus_lines(paths: Sequence[Path]) -> list[str]:
    lines = [ln.strip() for p in paths for ln in p.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise ValueError("the tiny-model corpus is empty: pass --corpus with some text files")
    return lines


def _train_spm(lines: Iterable[str], vocab_size: int, **kw: Any) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buf,
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # a few KB of seed text cannot fill a fixed vocabulary
        character_coverage=1.0,
        # No byte pieces: random weights then babble seed words, not invalid UTF-8 bytes.
        byte_fallback=False,
        minloglevel=2,
        **kw,
    )
    return buf.getvalue()


def _mark(config: Any) -> Any:
    config.ringkas_tiny = _NOISE_NOTE  # saved in config.json, read back as provenance
    return config


def _generation_defaults(model: Any, **kw: Any) -> None:
    cfg = model.generation_config
    for key, value in kw.items():
        setattr(cfg, key, value)


def make_marian(out: Path, lines: list[str]) -> Path:
    """A tiny MarianMT (opus-mt layout: source.spm, target.spm, shared vocab.json)."""
    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    src = _train_spm(lines, 400, model_type="unigram", unk_id=1, eos_id=0, bos_id=-1, pad_id=-1)
    (out / "source.spm").write_bytes(src)
    (out / "target.spm").write_bytes(src)
    proc = spm.SentencePieceProcessor(model_proto=src)
    pieces = [proc.id_to_piece(i) for i in range(proc.get_piece_size())]
    # Marian's convention: </s>=0, <unk>=1, ..., <pad> last.
    vocab = {p: i for i, p in enumerate(pieces)}
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        model_max_length=TRANSLATION_WINDOW,
    )
    pad = vocab["<pad>"]
    config = MarianConfig(
        # Marian scales embeddings by sqrt(d_model); at 32 dims every input decoded alike.
        vocab_size=len(vocab), d_model=64, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=128,
        decoder_ffn_dim=128, max_position_embeddings=TRANSLATION_WINDOW, pad_token_id=pad,
        init_std=0.2,
        decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
    )
    model = MarianMTModel(_mark(config))
    _generation_defaults(model, max_length=TRANSLATION_WINDOW, num_beams=2, bad_words_ids=[[pad]])
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def make_bart(out: Path, lines: list[str]) -> Path:
    """A tiny BART (distilbart-cnn layout: byte-level BPE vocab.json + merges.txt)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(lines, vocab_size=600, min_frequency=1, special_tokens=specials)
    with tempfile.TemporaryDirectory() as tmp:
        bpe.save_model(tmp)
        tok = BartTokenizer.from_pretrained(tmp, model_max_length=SUMMARY_WINDOW)
    config = BartConfig(
        vocab_size=len(tok), d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=SUMMARY_WINDOW, pad_token_id=1,
        init_std=_INIT_STD,
        bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
        forced_eos_token_id=2,
    )
    model = BartForConditionalGeneration(_mark(config))
    # The published distilbart-cnn settings, scaled down.
    _generation_defaults(model, num_beams=2, max_length=60, min_length=10, forced_bos_token_id=0,
                         no_repeat_ngram_size=3, length_penalty=2.0, early_stopping=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def make_t5(out: Path, lines: list[str]) -> Path:
    """A tiny mT5 (gated-GELU, untied head, sentencepiece unigram with sentinel ids)."""
    import sentencepiece as spm
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    out.mkdir(parents=True, exist_ok=True)
    proto = _train_spm(lines, 400, model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    proc = spm.SentencePieceProcessor(model_proto=proto)
    vocab = [(proc.id_to_piece(i), proc.get_score(i)) for i in range(proc.get_piece_size())]
    tok = T5Tokenizer(vocab=vocab, extra_ids=8, model_max_length=SUMMARY_WINDOW)
    config = MT5Config(
        vocab_size=len(tok), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
        num_heads=2, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        initializer_factor=_INIT_STD / 0.02,
    )
    model = MT5ForConditionalGeneration(_mark(config))
    _generation_defaults(model, num_beams=2, max_length=60, no_repeat_ngram_size=3)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


_BUILDERS = {"marian": make_marian, "bart": make_bart, "t5": make_t5}


def make_tiny(out: Path, corpus: Sequence[Path] | None = None, seed: int = 0) -> dict[str, Path]:
    """Write a tiny model for every role into ``out/<role>``; returns role -> directory."""
    import torch

    torch.manual_seed(seed)
    lines = _corpus_lines(corpus if corpus is not None else default_corpus())
    written: dict[str, Path] = {}
    for role in ROLES.values():
        written[role.name] = _BUILDERS[role.tiny_arch](out / role.name, lines)
    (out / "README.txt").write_text(_NOISE_NOTE + "\n", encoding="utf-8")
    return written


def build_arch(arch: str, out: Path, corpus: Sequence[Path] | None = None) -> Path:
    """One tiny model of ``arch`` (marian, bart, t5): for tests of every architecture."""
    return _BUILDERS[arch](out, _corpus_lines(corpus if corpus is not None else default_corpus()))
