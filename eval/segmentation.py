"""Sentence segmentation measured against NTREX-128's line boundaries.

NTREX-128 gives each document as one sentence a line. A document's lines are joined by
single spaces into one paragraph and split again with the service's own splitter
(``service.text.segment.split_sentences``); each line end is a reference boundary. Only the
line ends that punctuation marks (the line ends with ``.``, ``!``, ``?`` or ``…``, perhaps
followed by closing quotes or brackets) are counted: a headline line has no mark, and no
splitter can find its end once it runs into the next line, so those ends are left out of
both sides. Precision is the share of the splitter's boundaries that are reference
boundaries; recall the share of reference boundaries it finds.

NTREX's Indonesian writes curly quotes; the ``straight`` variant replaces them with
straight ones (``"`` and ``'``), as much pasted copy has them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval.dataset import TranslationDoc

_MARKED_END = re.compile(r"[.!?…][”’\"')\]]*$")
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
VARIANTS = ("curly", "straight")
SIGNATURE = "ntrex-128 lines joined by spaces|marked ends only|split_sentences(id)"


@dataclass(frozen=True)
class BoundaryScore:
    found: int  # boundaries the splitter made (counted ones)
    reference: int  # reference boundaries
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.reference if self.reference else 1.0

    def to_run(self, variant: str, documents: int) -> dict[str, Any]:
        """In the shape of the report's other runs, so the gate compares it the same way."""
        signature = f"{SIGNATURE}|quotes:{variant}"
        return {
            "documents": documents,
            "counts": {"found": self.found, "reference": self.reference,
                       "correct": self.correct},
            "corpus": {name: {"value": round(100 * value, 2), "higher_is_better": True,
                              "signature": signature}
                       for name, value in (("boundary_precision", self.precision),
                                           ("boundary_recall", self.recall))},
            "errors": {},
        }


def boundary_score(docs: Sequence[TranslationDoc], variant: str = "curly") -> BoundaryScore:
    from service.text.segment import split_sentences

    found = reference = correct = 0
    for doc in docs:
        lines = [line.translate(_STRAIGHT) if variant == "straight" else line
                 for line in doc.source]
        # A boundary is a count of the non-space characters before it: the splitter may
        # move a space or an opening quote, never reorder the text.
        gold: set[int] = set()
        unmarked: set[int] = set()
        at = 0
        for line in lines[:-1]:
            at += _solid(line)
            (gold if _MARKED_END.search(line.rstrip()) else unmarked).add(at)
        made: set[int] = set()
        at = 0
        for sentence in split_sentences(" ".join(lines), "id")[:-1]:
            at += _solid(sentence)
            made.add(at)
        made -= unmarked
        found += len(made)
        reference += len(gold)
        correct += len(made & gold)
    return BoundaryScore(found, reference, correct)


def _solid(text: str) -> int:
    return sum(not c.isspace() for c in text)


def evaluate(docs: Sequence[TranslationDoc]) -> dict[str, dict[str, Any]]:
    """One run per quote variant, named ``ntrex-128 (curly quotes)`` and so on."""
    return {f"ntrex-128 ({variant} quotes)": boundary_score(docs, variant).to_run(variant,
                                                                               len(docs))
            for variant in VARIANTS}
