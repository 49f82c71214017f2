"""The stand-ins make-tiny writes are the published checkpoints in everything but size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from service.models import ROLES
from service.published import load

# What a stand-in may change: sizes, and ids that name a piece by its place at the end of
# the vocabulary (Marian's <pad>, last; CrossSum's English sentinel), checked by piece below.
SIZE_KEYS = {
    "vocab_size", "decoder_vocab_size", "d_model", "encoder_layers", "decoder_layers",
    "num_hidden_layers", "encoder_attention_heads", "decoder_attention_heads",
    "encoder_ffn_dim", "decoder_ffn_dim", "max_position_embeddings", "d_kv", "d_ff",
    "num_layers", "num_decoder_layers", "num_heads",
}
PIECE_IDS = {"translate_id_en": {"pad_token_id", "decoder_start_token_id", "bad_words_ids"},
             "translate_en_id": {"pad_token_id", "decoder_start_token_id", "bad_words_ids"},
             "crosssum": {"decoder_start_token_id"}}


def _json(path: Path) -> dict:
    data: dict = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("role", list(ROLES))
def test_config_is_the_published_one_but_for_sizes(tiny_dir: Path, role: str) -> None:
    published = load(role)
    config = _json(tiny_dir / role / "config.json")
    assert config.pop("ringkas_tiny")  # the random-weights marker
    assert set(config) == set(published.config)
    free = SIZE_KEYS | PIECE_IDS.get(role, set())
    for key, value in published.config.items():
        if key not in free:
            assert config[key] == value, (role, key)
    # A generation_config.json exactly where the hub repository has one, with its values.
    gen = tiny_dir / role / "generation_config.json"
    assert gen.is_file() == (published.generation_config is not None)
    if published.generation_config is not None:
        written = _json(gen)
        assert set(written) == set(published.generation_config)
        for key, value in published.generation_config.items():
            if key not in free:
                assert written[key] == value, (role, key)


def test_marian_layout(tiny_dir: Path) -> None:
    for role in ("translate_id_en", "translate_en_id"):
        path = tiny_dir / role
        config = _json(path / "config.json")
        assert config["activation_function"] == "swish" and config["scale_embedding"] is True
        vocab = _json(path / "vocab.json")
        assert vocab["</s>"] == 0 and vocab["<unk>"] == 1
        pad = len(vocab) - 1
        assert vocab["<pad>"] == pad == config["pad_token_id"] == config["decoder_start_token_id"]
        assert config["bad_words_ids"] == [[pad]]
        # Two sentencepiece models, one vocabulary (opus-mt's layout).
        assert (path / "source.spm").read_bytes() != (path / "target.spm").read_bytes()
        assert "model_max_length" not in _json(path / "tokenizer_config.json")
        model = AutoModelForSeq2SeqLM.from_pretrained(path)
        # The converter's zero <pad> row, from which both backends start decoding.
        assert float(model.get_input_embeddings().weight[pad].detach().abs().sum()) == 0.0


def test_bart_layout(tiny_dir: Path) -> None:
    path = tiny_dir / "summarize"
    tok = AutoTokenizer.from_pretrained(path)
    config = _json(path / "config.json")
    assert [tok.convert_tokens_to_ids(t) for t in ("<s>", "<pad>", "</s>", "<unk>")] == [0, 1, 2, 3]
    # <mask> is the tokenizer's last id, one past the embedding (distilbart: 50264 / 50265).
    assert tok.convert_tokens_to_ids("<mask>") == len(tok) - 1 == config["vocab_size"]
    assert not (path / "generation_config.json").exists()
    for key, value in {"num_beams": 4, "length_penalty": 2.0, "no_repeat_ngram_size": 3,
                       "min_length": 56, "max_length": 142, "early_stopping": True,
                       "forced_bos_token_id": 0}.items():
        assert config[key] == value, key


@pytest.mark.parametrize("role", ["summarize_id", "crosssum", "instruct"])
def test_mt5_layout(tiny_dir: Path, role: str) -> None:
    path = tiny_dir / role
    tok = AutoTokenizer.from_pretrained(path)
    config = _json(path / "config.json")
    vocab = tok.get_vocab()
    assert [vocab[t] for t in ("<pad>", "</s>", "<unk>")] == [0, 1, 2]
    # Sentinels are the last 100 ordinary pieces, ▁<extra_id_99> first.
    assert vocab["▁<extra_id_0>"] == len(tok) - 1
    assert vocab["▁<extra_id_99>"] == len(tok) - 100
    assert "<extra_id_0>" not in vocab
    assert config["vocab_size"] - len(tok) == 12  # 250112 vs 250100
    assert config["tie_word_embeddings"] is False
    assert "model_max_length" not in _json(path / "tokenizer_config.json")
    model = AutoModelForSeq2SeqLM.from_pretrained(path)
    # The checkpoint stores its own head, and transformers 5 keeps it untied.
    head, shared = model.get_output_embeddings().weight, model.get_input_embeddings().weight
    assert head.data_ptr() != shared.data_ptr()
    assert (path / "tokenizer.json").is_file() == (role == "instruct")  # only mt0 has one


def test_crosssum_language_map(tiny_dir: Path) -> None:
    path = tiny_dir / "crosssum"
    config = _json(path / "config.json")
    langid_map = config["task_specific_params"]["langid_map"]
    assert langid_map == load("crosssum").config["task_specific_params"]["langid_map"]
    assert len(langid_map) == 45 and langid_map["english"] == [30, "▁<extra_id_69>"]
    tok = AutoTokenizer.from_pretrained(path)
    # The published decoder_start_token_id is English's piece: the same piece here.
    assert tok.convert_ids_to_tokens(config["decoder_start_token_id"]) == "▁<extra_id_69>"
    # The hub's special_tokens_map lists the 45 language pieces as additional special
    # tokens, but its tokenizer_config.json says additional_special_tokens: null, and
    # transformers 5 loads them as ordinary pieces: decoding keeps them as text.
    assert "▁<extra_id_64>" in json.loads((path / "special_tokens_map.json").read_text(
        encoding="utf-8"))["additional_special_tokens"]
    assert not set(tok.all_special_tokens) & {entry[1] for entry in langid_map.values()}
