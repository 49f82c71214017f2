"""Make text fit a model's window without dropping any of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.engine import Engine
from service.text.segment import split_overlong


@dataclass(frozen=True)
class Piece:
    source_index: int  # which input sentence this piece came from
    text: str
    tokens: int


def fit_pieces(engine: Engine, sentences: Sequence[str], budget: int) -> list[Piece]:
    """Each sentence as one piece, or as several when it alone exceeds ``budget`` tokens."""
    pieces: list[Piece] = []
    for index, (sentence, tokens) in enumerate(zip(sentences, engine.count_tokens(sentences),
                                                   strict=True)):
        pending = [(sentence, tokens)]
        while pending:
            text, count = pending.pop(0)
            if count <= budget:
                pieces.append(Piece(index, text, count))
                continue
            # Aim below the budget in characters; re-count, and split again if still over.
            max_chars = max(1, int(len(text) * budget / count * 0.9))
            parts = split_overlong(text, max_chars)
            if len(parts) == 1:  # cannot split further (one giant token): halve it
                half = max(1, len(text) // 2)
                parts = [text[:half], text[half:]]
            pending = list(zip(parts, engine.count_tokens(parts), strict=True)) + pending
    return pieces


def pack(pieces: Sequence[Piece], budget: int) -> list[list[Piece]]:
    """Greedy, order-keeping packing of consecutive pieces into chunks of <= budget tokens."""
    chunks: list[list[Piece]] = []
    current: list[Piece] = []
    used = 0
    for piece in pieces:
        if current and used + piece.tokens > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(piece)
        used += piece.tokens
    if current:
        chunks.append(current)
    return chunks
