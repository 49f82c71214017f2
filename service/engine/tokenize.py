"""Tokenisers for converted (CTranslate2) models, on ``tokenizers`` and ``sentencepiece``
alone: a process that runs every role on CTranslate2 never imports torch (importing
transformers' tokenizers does).

They read the files ``ringkas models convert`` saves with the model and give the token ids
and texts transformers' own tokenizers give (tests/test_tokenize.py holds them to that on
the seed article and NTREX-128):
- Marian (opus-mt): source.spm cuts the input into pieces, vocab.json numbers them, ``</s>``
  closes it; output pieces are joined with the sentencepiece model transformers decodes with.
- BART and mT5: the ``tokenizer.json`` transformers saved, through ``tokenizers`` itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

SPIECE_UNDERLINE = "▁"


class Tokenizer(Protocol):
    def pieces(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's input tokens, specials included, never truncated."""
        ...

    def decode(self, tokens: Sequence[str]) -> str:
        """The text of output tokens, special tokens left out."""
        ...

    def token_id(self, token: str) -> int:
        ...


class MarianPieces:
    """opus-mt's layout: two sentencepiece models over one vocabulary."""

    def __init__(self, source: Any, target: Any, vocab: dict[str, int], eos: str, unk: str,
                 specials: set[str], decode_with_source: bool, clean_up: bool) -> None:
        self.source, self.target = source, target
        self.vocab, self.eos, self.unk, self.specials = vocab, eos, unk, specials
        # transformers 5 decodes with the source model unless the vocabularies are
        # separate; pieces join the same way with either, but follow it exactly.
        self._decoder = source if decode_with_source else target
        self.clean_up = clean_up
        # Special tokens written in the text are tokens, not text (transformers' trie).
        self._specials = re.compile("(" + "|".join(
            re.escape(t) for t in sorted(specials, key=len, reverse=True)) + ")")

    @classmethod
    def from_dir(cls, path: Path) -> MarianPieces:
        import sentencepiece as spm

        config = _read(path / "tokenizer_config.json")
        vocab: dict[str, int] = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        source = spm.SentencePieceProcessor(model_file=str(path / "source.spm"))
        target = spm.SentencePieceProcessor(model_file=str(path / "target.spm"))
        eos, unk = config.get("eos_token", "</s>"), config.get("unk_token", "<unk>")
        specials = {eos, unk, config.get("pad_token", "<pad>")}
        return cls(source, target, vocab, eos, unk, specials,
                   decode_with_source=not config.get("separate_vocabs", False),
                   clean_up=bool(config.get("clean_up_tokenization_spaces", False)))

    def pieces(self, texts: Sequence[str]) -> list[list[str]]:
        return [[*self._pieces(text), self.eos] for text in texts]

    def _pieces(self, text: str) -> list[str]:
        out: list[str] = []
        for part in self._specials.split(text):
            if part in self.specials:
                out.append(part)
                continue
            # A multilingual opus-mt model's >>lang<< prefix is one token.
            if part.startswith(">>") and (end := part.find("<<")) != -1:
                out.append(part[:end + 2])
                part = part[end + 2:]
            # Pieces the vocabulary lacks are <unk>, as MarianTokenizer maps them.
            out += [p if p in self.vocab else self.unk
                    for p in self.source.encode(part, out_type=str)]
        return out

    def decode(self, tokens: Sequence[str]) -> str:
        kept = [t for t in tokens if t not in self.specials]
        text: str = self._decoder.decode_pieces(kept)
        text = text.replace(SPIECE_UNDERLINE, " ").strip()
        return clean_up_spaces(text) if self.clean_up else text

    def token_id(self, token: str) -> int:
        return self.vocab.get(token, self.vocab[self.unk])


class JsonTokenizer:
    """A ``tokenizer.json`` (BART's byte-level BPE, mT5's unigram) through ``tokenizers``."""

    def __init__(self, backend: Any, clean_up: bool = False) -> None:
        self.backend = backend
        # transformers 5 skips the clean-up for BPE models (it would corrupt their text).
        self.clean_up = clean_up and type(backend.model).__name__ != "BPE"

    @classmethod
    def from_dir(cls, path: Path) -> JsonTokenizer:
        from tokenizers import Tokenizer as Backend

        config = _read(path / "tokenizer_config.json")
        return cls(Backend.from_file(str(path / "tokenizer.json")),
                   clean_up=bool(config.get("clean_up_tokenization_spaces", False)))

    def pieces(self, texts: Sequence[str]) -> list[list[str]]:
        return [e.tokens for e in self.backend.encode_batch(list(texts))]

    def decode(self, tokens: Sequence[str]) -> str:
        ids = [self.token_id(t) for t in tokens]
        text: str = self.backend.decode(ids, skip_special_tokens=True)
        return (clean_up_spaces(text) if self.clean_up else text).strip()

    def token_id(self, token: str) -> int:
        found = self.backend.token_to_id(token)
        return int(found) if found is not None else int(self.backend.token_to_id("<unk>"))


def clean_up_spaces(text: str) -> str:
    """transformers' clean_up_tokenization, for tokenizers whose config asks for it."""
    for spaced, joined in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
                           (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"),
                           (" 're", "'re")):
        text = text.replace(spaced, joined)
    return text


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_tokenizer(path: str | Path) -> Tokenizer:
    """The tokenizer of a converted model directory."""
    path = Path(path)
    if (path / "source.spm").is_file() and (path / "vocab.json").is_file():
        return MarianPieces.from_dir(path)
    if (path / "tokenizer.json").is_file():
        return JsonTokenizer.from_dir(path)
    raise FileNotFoundError(f"{path} has neither opus-mt's source.spm + vocab.json nor a "
                            "tokenizer.json: convert the model again with "
                            "`ringkas models convert`")
