"""Abstractive summarisation with map-reduce when the text exceeds the model's window."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from service.engine import Engine, GenerationParams
from service.errors import EngineError
from service.pipeline.budget import token_budget, trained_range
from service.pipeline.chunking import fit_pieces, pack
from service.pipeline.report import Report
from service.pipeline.requests import Length
from service.text.segment import split_sentences

_MARGIN = 8
# Each map round shrinks the text by at least the chunk/summary ratio; a handful of rounds
# covers any input the request limits allow.
_MAX_ROUNDS = 6
_MIN_PARTIAL_TOKENS = 32


class Summarizer:
    """``wrap`` turns a chunk of text into the model's input (an instruction prompt, say);
    ``out_lang`` is the language the model writes, used to split its partial summaries."""

    def __init__(self, engine: Engine, *, wrap: Callable[[str], str] | None = None,
                 out_lang: str = "en") -> None:
        self.engine = engine
        self.wrap = wrap or (lambda text: text)
        self.out_lang = out_lang

    def summarize(self, sentences: Sequence[str], length: Length, report: Report) -> str:
        """Summarise sentences; every sentence is read by the model at least once."""
        lo, hi = token_budget(length.sentences, trained_range(self.engine))
        overhead = self.engine.count_tokens([self.wrap("")])[0] if self.wrap("") else 0
        budget = self.engine.max_input_tokens - _MARGIN - overhead
        if budget < _MIN_PARTIAL_TOKENS:
            raise EngineError("the prompt leaves no room for the article in the model's window")
        current = list(sentences)
        for round_no in range(1, _MAX_ROUNDS + 1):
            chunks = pack(fit_pieces(self.engine, current, budget), budget)
            texts = [self.wrap(" ".join(p.text for p in c)) for c in chunks]
            if len(chunks) == 1:
                final = GenerationParams(min_new_tokens=lo, max_new_tokens=hi)
                return trim_sentences(self.engine.generate(texts, final)[0], length.sentences,
                                      self.out_lang)
            if round_no == 1:
                report.warn("summary_chunked", f"the text exceeds the summariser's window; it "
                            f"was summarised in {len(chunks)} parts and the parts summarised "
                            "again (map-reduce)")
            # Map: size each partial summary so that, together, they fit one window, with
            # room for re-tokenisation drift.
            each = max(_MIN_PARTIAL_TOKENS, min(hi, int(budget * 0.8) // len(chunks)))
            params = GenerationParams(min_new_tokens=min(lo, each // 2), max_new_tokens=each)
            partials = self.engine.generate(texts, params)
            current = [s for p in partials for s in split_sentences(p, self.out_lang)] or partials
        raise EngineError(f"summary did not fit the window after {_MAX_ROUNDS} map rounds")


def trim_sentences(text: str, n: int, lang: str = "en") -> str:
    """At most ``n`` sentences of ``text``."""
    sentences = split_sentences(text, lang)
    return " ".join(sentences[:n]) if len(sentences) > n else text.strip()
