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
        return [best[0] for best in self.sentence_hypotheses(sentences, 1, report)]

    def sentence_hypotheses(self, sentences: Sequence[str], n: int,
                            report: Report | None = None) -> list[list[str]]:
        """Per input sentence, the ``n`` best translations of one beam search, best first
        (an over-long sentence's pieces are joined hypothesis by hypothesis)."""
        budget = self.engine.max_input_tokens - _MARGIN
        pieces = fit_pieces(self.engine, sentences, budget)
        if report is not None and len(pieces) > len(sentences):
            report.warn("sentence_split", f"{len(pieces) - len(sentences)} over-long sentence "
                        "piece(s) were translated separately to fit the model's window")
        # Similar lengths in one batch waste less padding.
        order = sorted(range(len(pieces)), key=lambda i: pieces[i].tokens)
        outputs: list[list[str]] = [[] for _ in pieces]
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            longest = max(pieces[i].tokens for i in batch)
            texts = [pieces[i].text for i in batch]
            if n > 1:
                params = GenerationParams(max_new_tokens=output_cap(longest), num_hypotheses=n)
                found = self.engine.generate_hypotheses(texts, params)
            else:  # the plain call: what every engine wrapper acts on
                params = GenerationParams(max_new_tokens=output_cap(longest))
                found = [[text] for text in self.engine.generate(texts, params)]
            for i, hyps in zip(batch, found, strict=True):
                outputs[i] = hyps
        joined: list[list[list[str]]] = [[] for _ in sentences]
        for piece, hyps in zip(pieces, outputs, strict=True):
            joined[piece.source_index].append(hyps)
        return [[" ".join(parts[k] for parts in per_piece) for k in range(n)]
                for per_piece in joined]

    def texts(self, texts: Sequence[str], source_lang: str, report: Report | None = None,
              max_sentences: int | None = None) -> list[str]:
        """Translate free texts, keeping their paragraphs; all sentences share the batches."""
        return [best[0] for best in self.text_hypotheses(texts, source_lang, 1, report,
                                                         max_sentences)]

    def text_hypotheses(self, texts: Sequence[str], source_lang: str, n: int,
                        report: Report | None = None,
                        max_sentences: int | None = None) -> list[list[str]]:
        """Per text, ``n`` translations best first: the k-th puts together every sentence's
        k-th hypothesis (as LibreTranslate's engine, Argos Translate, does), so the first is
        the best of each sentence and a one-sentence text gets the model's own n best."""
        layout = [[split_sentences(p, source_lang) for p in split_paragraphs(t)] for t in texts]
        flat = [s for paragraphs in layout for sents in paragraphs for s in sents]
        if max_sentences is not None and len(flat) > max_sentences:
            raise PayloadTooLarge(f"the text has {len(flat)} sentences; the limit is "
                                  f"{max_sentences}", code="too_many_sentences",
                                  details={"limit": max_sentences})
        translated = self.sentence_hypotheses(flat, n, report) if flat else []
        out: list[list[str]] = []
        at = 0
        for paragraphs in layout:
            spans = []
            for sents in paragraphs:
                spans.append(translated[at:at + len(sents)])
                at += len(sents)
            out.append(["\n\n".join(" ".join(h[k] for h in span) for span in spans)
                        for k in range(n)])
        return out
