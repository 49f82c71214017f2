"""Fidelity check: which numbers, amounts, percentages, years and names in an English summary
the Indonesian article (or its English machine translation) does not support.

Rule-based and cheap: no model, no network, nothing logged. A claim is supported when either
source supports it; see ``numbers`` and ``entities`` for what "supports" means per kind.
"""

from __future__ import annotations

from service.fidelity.entities import entity_supported, extract_entities, vocabulary
from service.fidelity.numbers import Quantity, extract_quantities, quantity_supports
from service.fidelity.report import NUMERIC_KINDS, Claim, FidelityReport

__all__ = ["NUMERIC_KINDS", "Claim", "FidelityReport", "check_fidelity"]


def check_fidelity(summary: str, source_id: str, source_en: str | None = None) -> FidelityReport:
    """Claims in ``summary`` (English), each marked supported or not by ``source_id`` (the
    Indonesian article) or ``source_en`` (its English translation, when given)."""
    sources: list[Quantity] = extract_quantities(source_id, "id")
    if source_en:
        sources += extract_quantities(source_en, "en")
    found = extract_quantities(summary, "en")
    ranked: list[tuple[int, Claim]] = [
        (
            q.start,
            Claim(q.kind, q.text, q.normalised, any(quantity_supports(s, q) for s in sources)),
        )
        for q in found
        if not q.weak
    ]
    vocabs = [vocabulary(source_id)] + ([vocabulary(source_en)] if source_en else [])
    mentions = extract_entities(
        summary,
        skip=[(q.start, q.end) for q in found],
        hints=[source_en] if source_en else [],
    )
    for m in mentions:
        supported = any(entity_supported(m.tokens, v) for v in vocabs)
        ranked.append((m.start, Claim("entity", m.text, " ".join(m.tokens), supported)))
    seen: set[tuple[str, str]] = set()
    claims: list[Claim] = []
    for _, claim in sorted(ranked, key=lambda r: r[0]):
        if (claim.kind, claim.value) not in seen:
            seen.add((claim.kind, claim.value))
            claims.append(claim)
    return FidelityReport(tuple(claims))
