"""Glossary term accuracy and number preservation of translations, on NTREX-128.

The glossary is built from the evaluation set's own names, two ways, both checked against
the aligned human translation:

- names written alike in both languages: each capitalised name (without digits) of an
  English reference line (the fidelity check's name finder,
  :func:`service.fidelity.entities.extract_entities`) that the aligned Indonesian line holds
  too, as a whole word ("Boris Johnson" -> "Boris Johnson");
- names the two languages write differently, from :data:`DIFFERENT_FORMS` (countries and
  bodies), kept only where some Indonesian line has the Indonesian form and its English line
  the English one ("Amerika Serikat" -> "United States").

A case is one (line, term) where the Indonesian line has the term and the reference line its
target. Term accuracy is the share of cases whose translation has the target as written;
it is measured with the glossary given (and without, from the plain run, for comparison).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.dataset import TranslationDoc
from eval.metrics import Score
from service.fidelity.entities import extract_entities
from service.fidelity.preserve import compare, mentions
from service.glossary.terms import Terms, count, count_exact

# Indonesian -> English forms of names that differ (an ambiguous one such as "Inggris",
# England or Britain, is left out).
DIFFERENT_FORMS = {
    "Amerika Serikat": "United States", "Jerman": "Germany", "Prancis": "France",
    "Tiongkok": "China", "Jepang": "Japan", "Rusia": "Russia", "Korea Selatan": "South Korea",
    "Korea Utara": "North Korea", "Belanda": "Netherlands", "Spanyol": "Spain",
    "Italia": "Italy", "Uni Eropa": "European Union", "Perserikatan Bangsa-Bangsa":
    "United Nations", "Afrika Selatan": "South Africa", "Selandia Baru": "New Zealand",
    "Mesir": "Egypt", "Arab Saudi": "Saudi Arabia", "Meksiko": "Mexico", "Brasil": "Brazil",
    "Skotlandia": "Scotland", "Irlandia": "Ireland", "Swedia": "Sweden", "Yunani": "Greece",
    "Turki": "Turkey", "Kanada": "Canada", "Gedung Putih": "White House",
}  # fmt: skip
SIGNATURE = "ringkas-glossary|names:ntrex-aligned|match:whole-word"
NUMBERS_SIGNATURE = "ringkas-numbers|service.fidelity.preserve"


@dataclass(frozen=True)
class Case:
    doc: int
    line: int
    source: str
    target: str


def name_glossary(docs: Sequence[TranslationDoc]) -> dict[str, str]:
    """The glossary (see the module's docstring), sorted for a stable report."""
    found: dict[str, str] = {}
    for doc in docs:
        hints = [" ".join(doc.reference)]
        for src, ref in zip(doc.source, doc.reference, strict=True):
            for mention in extract_entities(ref, hints=hints):
                name = mention.text.strip()
                if (len(name) >= 3 and not any(ch.isdigit() for ch in name)
                        and count_exact(name, src) >= 1):
                    found.setdefault(name, name)
            for id_form, en_form in DIFFERENT_FORMS.items():
                if count(id_form, src) and count_exact(en_form, ref):
                    found[id_form] = en_form
    return dict(sorted(found.items()))


def cases(docs: Sequence[TranslationDoc], glossary: Mapping[str, str]) -> list[Case]:
    terms = Terms("id", "en", tuple(glossary.items()))
    out = []
    for d, doc in enumerate(docs):
        for k, (src, ref) in enumerate(zip(doc.source, doc.reference, strict=True)):
            out += [Case(d, k, s, t) for s, t in terms.occurrences(src)
                    if count_exact(t, ref)]
    return out


def entries_in(glossary: Mapping[str, str], texts: Sequence[str]) -> dict[str, str]:
    """The entries whose source term occurs in ``texts`` (a request's inline glossary)."""
    terms = Terms("id", "en", tuple(glossary.items()))
    return dict(e for text in texts for e in terms.occurrences(text))


def _named(warnings: Sequence[Mapping[str, Any]], code: str, key: str, value: str) -> bool:
    return any(w.get("code") == code and (w.get("details") or {}).get(key) == value
               for w in warnings)


def term_scores(found: Sequence[Case], with_glossary: Mapping[tuple[int, int], str],
                warnings: Mapping[tuple[int, int], Sequence[Mapping[str, Any]]],
                without: Mapping[tuple[int, int], str] | None) -> dict[str, Score]:
    """Accuracy with the glossary (and without), and the misses no warning named."""
    n = len(found)
    hits = sum(count_exact(c.target, with_glossary.get((c.doc, c.line), "")) >= 1
               for c in found)
    silent = sum(count_exact(c.target, with_glossary.get((c.doc, c.line), "")) < 1
                 and not _named(warnings.get((c.doc, c.line), ()), "glossary_not_applied",
                                "term", c.source) for c in found)
    extra = {"cases": n}
    scores = {"glossary_term_accuracy": Score("glossary_term_accuracy",
                                              100 * hits / n if n else 0.0, SIGNATURE,
                                              extra=extra),
              "glossary_unflagged_misses": Score("glossary_unflagged_misses", float(silent),
                                                 SIGNATURE, higher_is_better=False,
                                                 extra=extra)}
    if without is not None:
        plain = sum(count_exact(c.target, without.get((c.doc, c.line), "")) >= 1
                    for c in found)
        scores["glossary_term_accuracy_without"] = Score(
            "glossary_term_accuracy_without", 100 * plain / n if n else 0.0, SIGNATURE,
            extra=extra)
    return scores


def number_scores(sources: Sequence[str], outputs: Sequence[str],
                  warnings: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, Score]:
    """Of the source lines' values (money, counts, percentages, years): the share that comes
    out with the same value, and the changed ones no number_changed warning names."""
    total = kept = silent = 0
    for src, out, said in zip(sources, outputs, warnings, strict=True):
        values = [q for q in mentions(src, "id") if not q.weak]
        lost, _ = compare(src, out, "id", "en")
        total += len(values)
        kept += len(values) - len(lost)
        silent += sum(not _named(said, "number_changed", "expected", q.text) for q in lost)
    extra = {"values": total}
    return {"numbers_preserved": Score("numbers_preserved",
                                       100 * kept / total if total else 0.0,
                                       NUMBERS_SIGNATURE, extra=extra),
            "numbers_unflagged_changes": Score("numbers_unflagged_changes", float(silent),
                                               NUMBERS_SIGNATURE, higher_is_better=False,
                                               extra=extra)}
