"""Sentence-by-sentence translation in length-sorted batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from service.engine import Engine, GenerationParams
from service.errors import PayloadTooLarge
from service.fidelity.number_style import StyleChange, english_style
from service.fidelity.numbers import Lang
from service.fidelity.preserve import NumberChange, preserve_numbers
from service.glossary.enforce import TermMiss, enforce
from service.glossary.terms import Terms
from service.overload import Deadline
from service.pipeline.chunking import fit_pieces
from service.pipeline.human import HumanTranslations, HumanUse
from service.pipeline.report import Report
from service.text.clean import normalise_text
from service.text.segment import layout, render

# Specials and the odd subword drift: keep a little room under the window.
_MARGIN = 4


# The smallest output cap: a news sentence (up to some 120 tokens) gets this one, so that
# one request's sentences share batches instead of splitting by cap (on a CPU a batch
# costs much the same for 4 sentences as for 16: each decoding step reads every weight).
MIN_OUTPUT_CAP = 256


def output_cap(input_tokens: int) -> int:
    """Bound on a translation's length. Real models stop at EOS long before it; it only
    bounds runaway decoding. Rounded up to a power of two so that batches of other requests
    with similar lengths have identical parameters, which the batcher needs to merge them."""
    need = 2 * input_tokens + 10
    return max(MIN_OUTPUT_CAP, 1 << (need - 1).bit_length())


# The first chunk of an article is short, so that its translation is out (and streamed)
# early; the rest go a batch at a time.
FIRST_CHUNK = 4


def chunks(count: int, size: int, first: int = FIRST_CHUNK) -> list[tuple[int, int]]:
    """[start, end) ranges over ``count`` sentences in order: ``first``, then ``size`` each."""
    bounds, start = [], 0
    step = min(first, size)
    while start < count:
        end = min(count, start + step)
        bounds.append((start, end))
        start, step = end, size
    return bounds


def cap_batches(tokens: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices of ``tokens`` in batches of at most ``batch_size``, shortest first (similar
    lengths waste less padding), each batch one output cap: a sentence is decoded under
    its own cap, whatever it is batched with, so what it came out as is the same answer
    the next time it is asked (the translation memory keys on it)."""
    order = sorted(range(len(tokens)), key=lambda i: tokens[i])
    batches: list[list[int]] = []
    for i in order:
        last = batches[-1] if batches else None
        if (last is None or len(last) >= batch_size
                or output_cap(tokens[last[0]]) != output_cap(tokens[i])):
            batches.append([i])
        else:
            last.append(i)
    return batches


Locate = Callable[[int], tuple[str, dict[str, Any]]]


class Translator:
    """``pair`` (source, target) turns on the number check (service/fidelity/preserve.py);
    ``glossary`` is enforced in every sentence (service/glossary/enforce.py); ``label``
    names the output in warnings ("the translation", "the Indonesian summary");
    ``deadline`` is the request's, for the work between model calls (the engine bounds
    its own). With ``pair``, a sentence ``human`` has a translation of is given that one
    as written: it never reaches the model, the glossary or the number checks, and the
    report lists it (``part`` names the output in that list, service/pipeline/human.py)."""

    def __init__(self, engine: Engine, batch_size: int = 16, *,
                 pair: tuple[str, str] | None = None, glossary: Terms | None = None,
                 label: str = "the translation", deadline: Deadline | None = None,
                 human: HumanTranslations | None = None, part: str = "translation") -> None:
        self.engine = engine
        self.batch_size = max(1, batch_size)
        self.pair = pair
        self.glossary = glossary
        self.label = label
        self.deadline = deadline
        self.human = human
        self.part = part

    def sentences(self, sentences: Sequence[str], report: Report | None = None,
                  locate: Locate | None = None) -> list[str]:
        """One translation per input sentence, in order, following the glossary and keeping
        the source's numbers (or saying where not); nothing is truncated. ``locate`` turns
        a sentence index into a name and details for warnings."""
        return [best[0] for best in self.sentence_hypotheses(sentences, 1, report, locate)]

    def sentence_hypotheses(self, sentences: Sequence[str], n: int,
                            report: Report | None = None,
                            locate: Locate | None = None) -> list[list[str]]:
        """Per input sentence, the ``n`` best translations of one beam search, best first
        (an over-long sentence's pieces are joined hypothesis by hypothesis). The best one
        follows the glossary and keeps the source's numbers (or a warning says where not);
        the others are the model's own. A sentence with a human translation has it, as
        its every hypothesis.

        The sentences go in article-order chunks (``chunks``), each finished (glossary,
        numbers) before the next: the report hears of each as it completes, so a streamed
        answer shows its first sentences while the rest are still translated."""
        where = locate or (lambda i: (f"sentence {i} of {self.label}", {"sentence": i}))
        out: list[list[str]] = []
        split = 0
        for start, end in chunks(len(sentences), self.batch_size):
            done, extra = self._chunk(sentences[start:end], start, n, report, where)
            out += done
            split += extra
            if report is not None:
                report.emit("translation", {"of": self.label, "sentences": [
                    {**where(start + k)[1], "translation": hyps[0]}
                    for k, hyps in enumerate(done)]})
        if report is not None and split:
            report.warn("sentence_split", f"{split} over-long sentence piece(s) were "
                        "translated separately to fit the model's window")
        return out

    def _chunk(self, sentences: Sequence[str], offset: int, n: int, report: Report | None,
               where: Locate) -> tuple[list[list[str]], int]:
        """One chunk of sentences, the first at ``offset`` among the caller's, finished."""
        human = (self.human.find(self.pair, sentences)
                 if self.human is not None and self.pair is not None else {})
        # The sentences the model translates, by index into ``sentences``.
        model = [i for i in range(len(sentences)) if i not in human]
        found: list[list[str]] = [[human[i].text] * n if i in human else []
                                  for i in range(len(sentences))]
        split = 0
        if model:
            translated, split = self._translate([sentences[i] for i in model], n)
            for i, hyps in zip(model, translated, strict=True):
                found[i] = hyps
        outputs = [hyps[0] for hyps in found]
        if report is not None:
            for i, entry in sorted(human.items()):
                report.human.append(HumanUse(self.part, where(offset + i)[1], entry.origin,
                                             entry.reference))
            for i in model:
                if sentences[i].strip() and not outputs[i].strip():
                    name, details = where(offset + i)
                    report.warn("empty_output", f"{name}: the model produced no text for "
                                "it", details)
        if self.glossary is not None and model:
            fixed, misses = enforce(
                [sentences[i] for i in model], [outputs[i] for i in model], self.glossary,
                lambda texts: [hyps[0] for hyps in self._translate(texts, 1)[0]],
                self.deadline)
            for i, text in zip(model, fixed, strict=True):
                outputs[i] = text
            if report is not None:
                for miss in misses:
                    _warn_term(report, miss, *where(offset + model[miss.sentence]))
        if self.pair is not None:
            source_lang, target_lang = (cast(Lang, lang) for lang in self.pair)
            for i in model:
                source, text = sentences[i], outputs[i]
                if target_lang == "en":
                    text, styles = english_style(source, text)
                    if report is not None:
                        for style in styles:
                            _warn_style(report, style, *where(offset + i))
                outputs[i], changes = preserve_numbers(source, text, source_lang, target_lang)
                if report is not None:
                    for change in changes:
                        _warn_number(report, change, *where(offset + i))
        return [[best, *hyps[1:]] for best, hyps in zip(outputs, found, strict=True)], split

    def _translate(self, sentences: Sequence[str], n: int) -> tuple[list[list[str]], int]:
        """The model's ``n`` best per sentence, and how many extra pieces over-long
        sentences were cut into."""
        budget = self.engine.max_input_tokens - _MARGIN
        pieces = fit_pieces(self.engine, sentences, budget)
        outputs: list[list[str]] = [[] for _ in pieces]
        for batch in cap_batches([p.tokens for p in pieces], self.batch_size):
            cap = output_cap(pieces[batch[0]].tokens)
            texts = [pieces[i].text for i in batch]
            if n > 1:
                params = GenerationParams(max_new_tokens=cap, num_hypotheses=n)
                found = self.engine.generate_hypotheses(texts, params)
            else:  # the plain call: what every engine wrapper acts on
                params = GenerationParams(max_new_tokens=cap)
                found = [[text] for text in self.engine.generate(texts, params)]
            for i, hyps in zip(batch, found, strict=True):
                outputs[i] = hyps
        joined: list[list[list[str]]] = [[] for _ in sentences]
        for piece, hyps in zip(pieces, outputs, strict=True):
            joined[piece.source_index].append(hyps)
        return [[" ".join(parts[k] for parts in per_piece) for k in range(n)]
                for per_piece in joined], len(pieces) - len(sentences)

    def texts(self, texts: Sequence[str], source_lang: str, report: Report | None = None,
              max_sentences: int | None = None, names: Sequence[str] | None = None,
              ) -> list[str]:
        """Translate free texts, keeping their paragraphs; all sentences share the batches.
        ``names`` name each text in warnings (default: "text N")."""
        return [best[0] for best in self.text_hypotheses(texts, source_lang, 1, report,
                                                         max_sentences, names)]

    def text_hypotheses(self, texts: Sequence[str], source_lang: str, n: int,
                        report: Report | None = None, max_sentences: int | None = None,
                        names: Sequence[str] | None = None) -> list[list[str]]:
        """Per text, ``n`` translations best first: the k-th puts together every sentence's
        k-th hypothesis (as LibreTranslate's engine, Argos Translate, does), so the first is
        the best of each sentence and a one-sentence text gets the model's own n best."""
        layouts = [layout(normalise_text(t), source_lang) for t in texts]
        # (text, segment) of every segment the model translates (an empty table cell is not)
        owner = [(t, j) for t, segments in enumerate(layouts)
                 for j, seg in enumerate(segments) if seg.text]
        flat = [layouts[t][j].text for t, j in owner]
        if max_sentences is not None and len(flat) > max_sentences:
            raise PayloadTooLarge(f"the text has {len(flat)} sentences; the limit is "
                                  f"{max_sentences}", code="too_many_sentences",
                                  details={"limit": max_sentences})
        if report is not None:
            report.emit("segmented", {"texts": len(texts), "sentences": len(flat)})
        labels = names or [f"text {t}" for t in range(len(texts))]
        number: list[int] = []  # each segment's place among its own text's
        seen = [0] * len(texts)
        for t, _ in owner:
            number.append(seen[t])
            seen[t] += 1

        def locate(i: int) -> tuple[str, dict[str, Any]]:
            t = owner[i][0]
            return f"sentence {number[i]} of {labels[t]}", {"text": t, "sentence": number[i]}

        translated = self.sentence_hypotheses(flat, n, report, locate) if flat else []
        found = {pos: hyps for pos, hyps in zip(owner, translated, strict=True)}
        # The source's layout around each translated segment: its spaces, line breaks,
        # list markers, table cells and paragraphs.
        return [[render(segments, [found[(t, j)][k] if (t, j) in found else ""
                                   for j in range(len(segments))]) for k in range(n)]
                for t, segments in enumerate(layouts)]


def _warn_term(report: Report, miss: TermMiss, where: str, details: dict[str, Any]) -> None:
    report.warn("glossary_not_applied", f"{where}: the glossary says '{miss.source}' -> "
                f"'{miss.target}', and the translation does not have '{miss.target}'",
                {**details, "term": miss.source, "target": miss.target})


def _warn_style(report: Report, style: StyleChange, where: str,
                details: dict[str, Any]) -> None:
    info = {**details, **style.to_json()}
    if style.restyled:
        report.warn("number_restyled", f"{where}: the model wrote '{style.found}' in "
                    f"Indonesian style; written '{style.restyled_as}' for English", info)
    else:
        report.warn("number_style", f"{where}: '{style.found}' is written in Indonesian "
                    "style, and the source does not say which value it is", info)


def _warn_number(report: Report, change: NumberChange, where: str,
                 details: dict[str, Any]) -> None:
    info = {**details, **change.to_json()}
    if change.restored:
        report.warn("number_restored", f"{where}: the model wrote '{change.found}' for "
                    f"'{change.expected}'; restored as '{change.restored_as}'", info)
    elif change.found is None:
        report.warn("number_changed", f"{where}: '{change.expected}' of the source is "
                    "missing from the translation", info)
    elif change.expected is None:
        report.warn("number_changed", f"{where}: the translation says '{change.found}', "
                    "which the source does not", info)
    else:
        report.warn("number_changed", f"{where}: '{change.expected}' of the source came out "
                    f"as '{change.found}'", info)
