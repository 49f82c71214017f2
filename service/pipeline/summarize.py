"""Abstractive summarisation with map-reduce when the text exceeds the model's window."""

from __future__ import annotations

from collections.abc import Sequence

from service.engine import Engine, GenerationParams
from service.errors import EngineError
from service.pipeline.chunking import fit_pieces, pack
from service.pipeline.report import Report
from service.schemas import Length
from service.text.segment import split_sentences

_MARGIN = 8
# Each map round shrinks the text by at least the chunk/summary ratio; a handful of rounds
# covers any input the request limits allow.
_MAX_ROUNDS = 6
_MIN_PARTIAL_TOKENS = 32


class Summarizer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def summarize(self, sentences: Sequence[str], length: Length, report: Report) -> str:
        """Summarise English sentences; every sentence is read by the model at least once."""
        lo, hi = length.token_budget
        budget = self.engine.max_input_tokens - _MARGIN
        current = list(sentences)
        for round_no in range(1, _MAX_ROUNDS + 1):
            chunks = pack(fit_pieces(self.engine, current, budget), budget)
            if len(chunks) == 1:
                text = " ".join(p.text for p in chunks[0])
                final = GenerationParams(min_new_tokens=lo, max_new_tokens=hi)
                summary = self.engine.generate([text], final)[0]
                return trim_sentences(summary, length.sentences)
            if round_no == 1:
                report.warn("summary_chunked", f"the English text exceeds the summariser's "
                            f"window; it was summarised in {len(chunks)} parts and the parts "
                            "summarised again (map-reduce)")
            # Map: size each partial summary so that, together, they fit one window, with
            # room for re-tokenisation drift.
            each = max(_MIN_PARTIAL_TOKENS, min(hi, int(budget * 0.8) // len(chunks)))
            params = GenerationParams(min_new_tokens=min(lo, each // 2), max_new_tokens=each)
            partials = self.engine.generate([" ".join(p.text for p in c) for c in chunks], params)
            current = [s for part in partials for s in split_sentences(part, "en")] or partials
        raise EngineError(f"summary did not fit the window after {_MAX_ROUNDS} map rounds")


def trim_sentences(text: str, n: int) -> str:
    """At most ``n`` sentences of ``text``."""
    sentences = split_sentences(text, "en")
    return " ".join(sentences[:n]) if len(sentences) > n else text.strip()
