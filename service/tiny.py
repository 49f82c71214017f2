"""Tiny random-weight stand-ins of the six published checkpoints, for plumbing checks and tests.

Their output is noise. They exist so that the real loading path (``from_pretrained`` on a
directory) can be exercised where no model hub is reachable. Each is built from the
published files in ``service/published/<role>/`` and differs from the real checkpoint in
sizes only (d_model, layers, heads, FFN, vocabulary, position table): activation, embedding
scale, tied or untied head, special-token ids and pieces, mT5's ``▁<extra_id_N>`` pieces,
CrossSum's language map, decoder start and forced tokens, a config vocabulary larger than
the tokenizer's, and a missing generation_config.json or model_max_length are the published
ones. The tokenizers are trained on the seed articles.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from service.models import ROLES
from service.published import Published, load

# Every model make-tiny writes carries this marker in its config so that responses can
# say, honestly, that the text they return was produced by random weights.
_NOISE_NOTE = "ringkas tiny model: random weights, output is noise; for plumbing checks and tests"

# Deliberately small: big enough to force chunking on an article, small enough for CI.
SUMMARY_WINDOW = 256
TRANSLATION_WINDOW = 128
# With the usual 0.02 init a tiny decoder ignores its input and says the same thing for
# every sentence; a wider init lets different inputs give different outputs.
_INIT_STD = {"marian": 0.2, "bart": 0.5, "t5": 0.5}
# mT5's sentencepiece model ends with 100 sentinels, ordinary pieces (not special tokens).
_SENTINELS = 100


def default_corpus() -> list[Traversable]:
    """The shipped seed articles, the text the tiny tokenizers learn from."""
    from service.seeds import articles

    return articles()


def _corpus_lines(paths: Sequence[Traversable]) -> list[str]:
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


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _init_wide(model: Any, std: float) -> None:
    """Random weights wider than the published init (see _INIT_STD); fixed sinusoidal
    position tables (Marian's) stay as they are."""
    import torch
    from torch import nn

    with torch.no_grad():
        modules = [m for m in model.modules() if isinstance(m, nn.Linear | nn.Embedding)
                   and "Sinusoidal" not in type(m).__name__]
        for module in modules:
            module.weight.normal_(0.0, std)
        for module in modules:  # after: tied heads share these rows
            pad = getattr(module, "padding_idx", None)
            if isinstance(module, nn.Embedding) and pad is not None:
                # Marian's converter appends <pad> as a zero row; CTranslate2 relies on it
                # (its Marian decoder starts from a zero embedding).
                module.weight[pad].zero_()


def _save(model: Any, out: Path, config: dict[str, Any], published: Published,
          generation: dict[str, Any] | None) -> None:
    """Weights from ``model``; config.json and generation_config.json exactly as published
    (sizes changed), with no generation_config.json where the repository has none."""
    model.save_pretrained(out)
    _write_json(out / "config.json", {**config, "ringkas_tiny": _NOISE_NOTE})
    gen_path = out / "generation_config.json"
    if published.generation_config is None:
        gen_path.unlink(missing_ok=True)
    else:
        _write_json(gen_path, generation)


def _tokenizer_files(out: Path, published: Published, window: int | None) -> None:
    """tokenizer_config.json and special_tokens_map.json as published; a model_max_length
    only where the published one has it (set to the stand-in's window)."""
    for name, data in (("tokenizer_config.json", published.tokenizer_config),
                       ("special_tokens_map.json", published.special_tokens_map)):
        path = out / name
        if data is None:
            path.unlink(missing_ok=True)
            continue
        data = copy.deepcopy(data)
        if "model_max_length" in data and window is not None:
            data["model_max_length"] = window
        data.pop("name_or_path", None)
        data.pop("special_tokens_map_file", None)
        _write_json(path, data)


def _resize(config: dict[str, Any], sizes: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(config)
    for key, value in sizes.items():
        if key in config:
            config[key] = value
    return config


def make_marian(out: Path, lines: list[str], role: str = "translate_id_en") -> Path:
    """An opus-mt stand-in: source.spm and target.spm (different models, as opus-mt's are)
    over one vocab.json with </s>=0, <unk>=1 and <pad> last (pad = decoder start)."""
    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel

    published = load(role)
    out.mkdir(parents=True, exist_ok=True)
    spm_kw = {"model_type": "unigram", "unk_id": 1, "eos_id": 0, "bos_id": -1, "pad_id": -1}
    source, target = _train_spm(lines, 400, **spm_kw), _train_spm(lines, 300, **spm_kw)
    (out / "source.spm").write_bytes(source)
    (out / "target.spm").write_bytes(target)
    vocab = {"</s>": 0, "<unk>": 1}
    for proto in (source, target):
        proc = spm.SentencePieceProcessor(model_proto=proto)
        for i in range(proc.get_piece_size()):
            vocab.setdefault(proc.id_to_piece(i), len(vocab))
    vocab["<pad>"] = len(vocab)
    _write_json(out / "vocab.json", vocab)
    pad = vocab["<pad>"]
    sizes = {"vocab_size": len(vocab), "decoder_vocab_size": len(vocab), "d_model": 64,
             "encoder_layers": 2, "decoder_layers": 2, "num_hidden_layers": 2,
             "encoder_attention_heads": 2, "decoder_attention_heads": 2,
             "encoder_ffn_dim": 128, "decoder_ffn_dim": 128,
             "max_position_embeddings": TRANSLATION_WINDOW,
             # Ids that are "the last one" in the published vocabulary.
             "pad_token_id": pad, "decoder_start_token_id": pad, "bad_words_ids": [[pad]]}
    config = _resize(published.config, sizes)
    generation = _resize(published.generation_config or {}, sizes)
    model = MarianMTModel(MarianConfig.from_dict(config))
    _init_wide(model, _INIT_STD["marian"])
    _save(model, out, config, published, generation)
    _tokenizer_files(out, published, TRANSLATION_WINDOW)
    return out


def make_bart(out: Path, lines: list[str], role: str = "summarize") -> Path:
    """A distilbart-cnn stand-in: byte-level BPE vocab.json + merges.txt with <s>=0,
    <pad>=1, </s>=2, <unk>=3 and <mask> last, one past the config's vocab_size (as
    distilbart's 50264 vs 50265)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration

    published = load(role)
    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(lines, vocab_size=600, min_frequency=1, show_progress=False,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    with tempfile.TemporaryDirectory() as tmp:
        bpe.save_model(tmp)
        vocab = json.loads(Path(tmp, "vocab.json").read_text(encoding="utf-8"))
        (out / "merges.txt").write_bytes(Path(tmp, "merges.txt").read_bytes())
    vocab["<mask>"] = len(vocab)
    _write_json(out / "vocab.json", vocab)
    short_by = published.layout["tokenizer_vocab_size"] - published.config["vocab_size"]
    sizes = {"vocab_size": len(vocab) - short_by, "d_model": 32, "encoder_layers": 2,
             "decoder_layers": 2, "num_hidden_layers": 2, "encoder_attention_heads": 2,
             "decoder_attention_heads": 2, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64,
             "max_position_embeddings": SUMMARY_WINDOW}
    config = _resize(published.config, sizes)
    model = BartForConditionalGeneration(BartConfig.from_dict(config))
    _init_wide(model, _INIT_STD["bart"])
    _discourage_partial_bytes(model, vocab)
    _save(model, out, config, published, _resize(published.generation_config or {}, sizes))
    _tokenizer_files(out, published, SUMMARY_WINDOW)
    return out


def _discourage_partial_bytes(model: Any, vocab: dict[str, int]) -> None:
    """Random weights pick byte-level tokens that are part of a UTF-8 character as often as
    words; decoded alone they are U+FFFD, and three of them re-encode to nine tokens, so a
    map-reduce summary never shrinks. A negative final_logits_bias (a weight BART has,
    zero in distilbart) keeps the babble to whole characters."""
    import torch
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    byte_of = {ch: b for b, ch in bytes_to_unicode().items()}
    partial = [i for token, i in vocab.items() if i < model.config.vocab_size
               and all(ch in byte_of for ch in token)
               and not _decodes(bytes(byte_of[ch] for ch in token))]
    with torch.no_grad():
        model.final_logits_bias[0, partial] = -20.0


def _decodes(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _with_sentinels(proto: bytes) -> bytes:
    """Append mT5's sentinels to a sentencepiece model: ``▁<extra_id_99>`` … ``▁<extra_id_0>``
    as the last pieces, ordinary (NORMAL) pieces as in mT5's vocabulary."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    model = model_pb2.ModelProto()  # type: ignore[attr-defined]
    model.ParseFromString(proto)
    lowest = min(p.score for p in model.pieces)
    for n in range(_SENTINELS - 1, -1, -1):
        piece = model.pieces.add()
        piece.piece, piece.score = f"▁<extra_id_{n}>", lowest - 1.0
        piece.type = model_pb2.ModelProto.SentencePiece.NORMAL  # type: ignore[attr-defined]
    return bytes(model.SerializeToString())


def make_t5(out: Path, lines: list[str], role: str = "summarize_id") -> Path:
    """An mT5 stand-in: spiece.model (pad=0, eos=1, unk=2, sentinels last as ordinary
    pieces), a config vocab_size larger than the tokenizer's (mT5: 250112 vs 250100), an
    untied lm_head stored in the checkpoint, CrossSum's langid_map where published."""
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import MT5Config, MT5ForConditionalGeneration

    published = load(role)
    out.mkdir(parents=True, exist_ok=True)
    proto = _with_sentinels(_train_spm(lines, 400, model_type="unigram", pad_id=0, eos_id=1,
                                       unk_id=2, bos_id=-1))
    (out / "spiece.model").write_bytes(proto)
    import sentencepiece as spm

    pieces = spm.SentencePieceProcessor(model_proto=proto).get_piece_size()
    published_pieces = published.layout["tokenizer_vocab_size"]
    extra = published.config["vocab_size"] - published_pieces
    sizes = {"vocab_size": pieces + extra, "d_model": 32, "d_kv": 8, "d_ff": 64,
             "num_layers": 2, "num_decoder_layers": 2, "num_heads": 2}
    start = published.config.get("decoder_start_token_id", 0)
    if start >= published_pieces - _SENTINELS:
        # A sentinel (CrossSum: English's ▁<extra_id_69>): the same piece in this vocabulary.
        sizes["decoder_start_token_id"] = pieces - (published_pieces - start)
    config = _resize(published.config, sizes)
    model = MT5ForConditionalGeneration(MT5Config.from_dict(config))
    _init_wide(model, _INIT_STD["t5"])
    _save(model, out, config, published, _resize(published.generation_config or {}, sizes))
    if not published.config.get("tie_word_embeddings", True):
        # transformers 5 builds every mT5 tied; the published checkpoints store their own
        # lm_head.weight, which from_pretrained then keeps.
        weights = load_file(out / "model.safetensors")
        weights["lm_head.weight"] = torch.randn(sizes["vocab_size"], sizes["d_model"]) * \
            _INIT_STD["t5"]
        save_file(weights, out / "model.safetensors", metadata={"format": "pt"})
    _tokenizer_files(out, published, None)
    if "tokenizer.json" in published.layout.get("files", []):
        from transformers import AutoTokenizer

        AutoTokenizer.from_pretrained(out).backend_tokenizer.save(str(out / "tokenizer.json"))
    return out


_BUILDERS = {"marian": make_marian, "bart": make_bart, "t5": make_t5}
# The role whose published files build_arch uses for each architecture.
_ARCH_ROLE = {"marian": "translate_id_en", "bart": "summarize", "t5": "summarize_id"}


def make_tiny(out: Path, corpus: Sequence[Traversable] | None = None,
              seed: int = 0) -> dict[str, Path]:
    """Write a stand-in for every role into ``out/<role>``; returns role -> directory."""
    import torch

    torch.manual_seed(seed)
    lines = _corpus_lines(corpus if corpus is not None else default_corpus())
    written: dict[str, Path] = {}
    with _quiet_transformers():
        for role in ROLES.values():
            written[role.name] = _BUILDERS[role.tiny_arch](out / role.name, lines, role.name)
    (out / "README.txt").write_text(_NOISE_NOTE + "\n", encoding="utf-8")
    return written


def build_arch(arch: str, out: Path, corpus: Sequence[Traversable] | None = None,
               role: str | None = None) -> Path:
    """One stand-in of ``arch`` (marian, bart, t5), of ``role``'s published model (default:
    the first role of that architecture)."""
    lines = _corpus_lines(corpus if corpus is not None else default_corpus())
    with _quiet_transformers():
        return _BUILDERS[arch](out, lines, role or _ARCH_ROLE[arch])


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """No per-shard progress bars or generation-config notices while the stand-ins are
    written: six tiny models take a second, and the command says what it wrote."""
    from transformers.utils import logging as hf_logging

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()
