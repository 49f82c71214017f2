"""The figures of one source sentence against one target sentence (a translation, or a
summary sentence and the sentence supporting it): which target figures the source does not
give as written (changed value, scale, currency or qualifier), and which source figures the
target lost. Either language on either side. The service checks whole summaries; this reads
one pair through the same check, so its cases stay small."""

from __future__ import annotations

from dataclasses import dataclass

from service.fidelity.numbers import Lang, Quantity, extract_quantities, quantity_supports
from service.fidelity.review import Found, check_quantity
from service.fidelity.sources import Side


@dataclass(frozen=True)
class QuantityFinding:
    issue: str  # an ISSUES code of service.fidelity.report, or "dropped" (lost in the target)
    text: str  # the figure as the target writes it ("dropped": as the source writes it)
    expected: str | None  # what the source says instead, as it writes it


def _side(text: str, lang: Lang) -> Found:
    return Found(None, Side(lang, text, (), tuple(extract_quantities(text, lang))))


def compare_quantities(source: str, target: str, source_lang: Lang = "id",
                       target_lang: Lang = "en") -> list[QuantityFinding]:
    """Findings, in target order, then the source figures the target does not have."""
    src = _side(source, source_lang)
    found: list[QuantityFinding] = []
    claims: list[Quantity] = [q for q in extract_quantities(target, target_lang) if not q.weak]
    for q in claims:
        issue, expected, _ = check_quantity(q, target, [src], [])
        if issue is not None:
            found.append(QuantityFinding(issue, q.text, expected))
    # A source figure a finding already names as "expected" was changed, not dropped.
    named = [f.expected for f in found if f.expected]
    for q in src.side.quantities:
        if not q.weak and not any(quantity_supports(q, c) for c in claims) and not any(
                q.text in e for e in named):
            found.append(QuantityFinding("dropped", q.text, q.text))
    return found
