"""Sentence-by-sentence translation in length-sorted batches."""

from __future__ import annotations

from collections.abc import Sequence

from service.engine import Engine, GenerationParams
from service.errors import PayloadTooLarge
from service.pipeline.chunking import fit_pieces
from service.pipeline.report import Report
from service.text.clean import split_paragraphs
from service.text.segment import split_sentences

# Specials and the odd subword drift: keep a little room under the window.
_MARGIN = 4


def output_cap(input_tokens: int) -> int:
    """Bound on a translation's length. Real models stop at EOS long before it; it only
    bounds runaway decoding. Rounded up to a power of two so that batches of other requests
    with similar lengths have identical parameters, which the batcher needs to merge them."""
    need = 2 * input_tokens + 10
    return max(32, 1 << (need - 1).bit_length())


class Translator:
    def __init__(self, engine: Engine, batch_size: int = 16) -> None:
        self.engine = engine
        self.batch_size = max(1, batch_size)

    def sentences(self, sentences: Sequence[str], report: Report | None = None) -> list[str]:
        """One translation per input sentence, in order; nothing is truncated."""
        budget = self.engine.max_input_tokens - _MARGIN
        pieces = fit_pieces(self.engine, sentences, budget)
        if report is not None and len(pieces) > len(sentences):
            report.warn("sentence_split", f"{len(pieces) - len(sentences)} over-long sentence "
                        "piece(s) were translated separately to fit the model's window")
        # Similar lengths in one batch waste less padding.
        order = sorted(range(len(pieces)), key=lambda i: pieces[i].tokens)
        outputs: list[str] = [""] * len(pieces)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            longest = max(pieces[i].tokens for i in batch)
            params = GenerationParams(max_new_tokens=output_cap(longest))
            for i, text in zip(batch, self.engine.generate([pieces[i].text for i in batch],
                                                           params), strict=True):
                outputs[i] = text
        joined: list[list[str]] = [[] for _ in sentences]
        for piece, text in zip(pieces, outputs, strict=True):
            joined[piece.source_index].append(text)
        return [" ".join(parts) for parts in joined]

    def texts(self, texts: Sequence[str], source_lang: str, report: Report | None = None,
              max_sentences: int | None = None) -> list[str]:
        """Translate free texts, keeping their paragraphs; all sentences share the batches."""
        layout = [[split_sentences(p, source_lang) for p in split_paragraphs(t)] for t in texts]
        flat = [s for paragraphs in layout for sents in paragraphs for s in sents]
        if max_sentences is not None and len(flat) > max_sentences:
            raise PayloadTooLarge(f"the text has {len(flat)} sentences; the limit is "
                                  f"{max_sentences}", code="too_many_sentences",
                                  details={"limit": max_sentences})
        translated = iter(self.sentences(flat, report))
        return ["\n\n".join(" ".join(next(translated) for _ in sents) for sents in paragraphs)
                for paragraphs in layout]
