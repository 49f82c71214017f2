"""Fidelity as an editor reads it: each claim of a summary sentence checked against the
article sentences attribution found for it, not against the whole article.

A figure must have its value in those sentences with the same direction or hedge ("more
than", "about", "up to"); a figure those sentences give differently is a changed figure
even when the article has the summary's value somewhere else. Dates and weekdays are
checked the same way, and names as whole spans with the title given with them. What the
supporting sentences do not speak of at all may come from any sentence of the article.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.fidelity.align import Attribution, SentenceAttribution
from service.fidelity.dates import DateMention, comparable, date_matches, extract_dates
from service.fidelity.entities import extract_entities
from service.fidelity.names import (
    Name,
    SpanMatch,
    find_spans,
    names_in,
    source_title,
    span_text,
    title_ok,
)
from service.fidelity.numbers import Quantity, extract_quantities, quantity_supports, same_value
from service.fidelity.qualifiers import qualifier, qualifier_issue
from service.fidelity.report import Claim, FidelityReport
from service.fidelity.sources import Side, Sources, SourceSentence


@dataclass(frozen=True)
class Found:
    """A source mention: where it stands."""

    sentence: SourceSentence | None  # None: the loose English text
    side: Side


def _sides(sentences: Iterable[SourceSentence]) -> list[Found]:
    return [Found(s, side) for s in sentences for side in s.sides]


def _loose(sources: Sources) -> list[Found]:
    return [Found(None, side) for side in sources.loose]


def _claim(kind: str, text: str, value: str, sentence: int, issue: str | None = None,
           expected: str | None = None, where: Found | None = None) -> Claim:
    src = where.sentence if where is not None else None
    return Claim(kind, text, value, issue is None, issue=issue, expected=expected,
                 sentence=sentence, source=src.index if src is not None else None,
                 source_text=src.text if src is not None else None)


def _comparable(claim: Quantity, source: Quantity) -> bool:
    if claim.kind in ("percent", "year") or source.kind in ("percent", "year"):
        return claim.kind == source.kind
    return True


def _distance(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        return abs(a - b)
    return abs(math.log(a / b))


def _change(claim: Quantity, source: Quantity) -> str:
    if claim.currency and source.currency and claim.currency != source.currency:
        return "currency_changed"
    if claim.value > 0 and source.value > 0:
        ratio = claim.value / source.value
        for power in (1e3, 1e6, 1e9, 1e12):
            if same_value(ratio, power) or same_value(ratio, 1 / power):
                return "scale_changed"
    return "value_changed"


def _with_qualifier(text: str, q: Quantity) -> str:
    found = qualifier(text, q.start)
    if found is None or found[0] == "range":
        return q.text
    return f"{found[1]} {q.text}"


def check_quantity(claim: Quantity, claim_text: str, supporting: Sequence[Found],
                   elsewhere: Sequence[Found]) -> tuple[str | None, str | None, Found | None]:
    """(issue, expected as the source writes it, where) for one figure of a summary sentence
    (``claim_text``), against its supporting sentences' sides first."""
    mine = qualifier(claim_text, claim.start)
    mine_class = mine[0] if mine else None
    matches = [(f, q) for f in supporting for q in f.side.quantities
               if quantity_supports(q, claim)]
    if matches:
        if claim.kind == "year":
            return None, None, matches[0][0]
        first_issue: tuple[str, str, Found] | None = None
        for f, q in matches:
            theirs = qualifier(f.side.text, q.start)
            issue = qualifier_issue(mine_class, theirs[0] if theirs else None)
            if issue is None:
                return None, None, f
            first_issue = first_issue or (issue, _with_qualifier(f.side.text, q), f)
        assert first_issue is not None  # matches is not empty
        return first_issue
    rivals = [(f, q) for f in supporting for q in f.side.quantities
              if _comparable(claim, q) and not q.weak]
    if rivals:
        # The article's own words first: the translation may be what went wrong.
        f, q = min(rivals, key=lambda r: (_distance(claim.value, r[1].value),
                                          r[0].side.lang != "id"))
        return _change(claim, q), _with_qualifier(f.side.text, q), f
    other = next((f for f in elsewhere for q in f.side.quantities if quantity_supports(q, claim)),
                 None)
    if other is not None:
        return None, None, other
    return "not_in_source", None, None


def check_date(claim: DateMention, supporting: Sequence[Found],
               elsewhere: Sequence[Found]) -> tuple[str | None, str | None, Found | None]:
    mentions = [(f, d) for f in supporting for d in extract_dates(f.side.text)]
    hit = next((f for f, d in mentions if date_matches(claim, d)), None)
    if hit is not None:
        return None, None, hit
    rivals = [(f, d) for f, d in mentions if comparable(claim, d)]
    if rivals:
        f, d = rivals[0]
        return ("weekday_changed" if claim.kind == "weekday" else "date_changed"), d.text, f
    other = next((f for f in elsewhere for d in extract_dates(f.side.text)
                  if date_matches(claim, d)), None)
    if other is not None:
        return None, None, other
    return "not_in_source", None, None


def _review_sentence(i: int, att: SentenceAttribution, sources: Sources) -> list[tuple[int, Claim]]:
    text = att.text
    chosen = set(att.indices)
    supporting = _sides(s for s in sources.sentences if s.index in chosen)
    elsewhere = _sides(s for s in sources.sentences if s.index not in chosen) + _loose(sources)
    out: list[tuple[int, Claim]] = []
    dates = extract_dates(text)
    quantities = [q for q in extract_quantities(text, "en") if not q.weak]
    # A day of the month is the date's, not a figure of its own.
    quantities = [q for q in quantities
                  if not any(d.kind == "date" and d.start <= q.start < d.end for d in dates)]
    for q in quantities:
        issue, expected, where = check_quantity(q, text, supporting, elsewhere)
        out.append((q.start, _claim(q.kind, q.text, q.normalised, i, issue, expected, where)))
    for d in dates:
        issue, expected, where = check_date(d, supporting, elsewhere)
        out.append((d.start, _claim("date", d.text, d.value, i, issue, expected, where)))
    skip = [(q.start, q.end) for q in extract_quantities(text, "en")] + [
        (d.start, d.end) for d in dates]
    hints = [s.english for s in sources.sentences if s.english] + [s.text for s in sources.loose]
    for name in names_in(text, extract_entities(text, skip=skip, hints=hints)):
        out.append((name.start, _check_name(name, i, supporting, elsewhere)))
    return out


def _check_name(name: Name, i: int, supporting: Sequence[Found],
                elsewhere: Sequence[Found]) -> Claim:
    value = name.value
    whole_in: list[tuple[Found, SpanMatch]] = []
    best: tuple[int, Found, SpanMatch] | None = None
    for group in (supporting, elsewhere):
        for f in group:
            for m in find_spans(name.tokens, f.side):
                if m.matched == len(name.tokens):
                    whole_in.append((f, m))
                elif best is None or m.matched > best[0]:
                    best = (m.matched, f, m)
    if whole_in:
        for f, m in whole_in:
            if title_ok(name.titles, m):
                return _claim("entity", name.text, value, i, where=f)
        f, m = whole_in[0]
        return _claim("entity", name.text, value, i, "title_changed", source_title(m), f)
    if name.parts and all(any(m.matched == len(part) for f in (*supporting, *elsewhere)
                                  for m in find_spans(part, f.side)) for part in name.parts):
        return _claim("entity", name.text, value, i)
    expected = span_text(best[2]) if best is not None else None
    return _claim("entity", name.text, value, i, "not_in_source", expected,
                  best[1] if best is not None else None)


def review(attribution: Attribution, sources: Sources) -> FidelityReport:
    """The claims of every summary sentence, each checked against its supporting sentences."""
    ranked: list[tuple[int, int, Claim]] = []
    for i, att in enumerate(attribution.summary_sentences):
        ranked += [(i, start, claim) for start, claim in _review_sentence(i, att, sources)]
    seen: set[tuple[str, str, str | None]] = set()
    claims: list[Claim] = []
    for _, _, claim in sorted(ranked, key=lambda r: (r[0], r[1])):
        key = (claim.kind, claim.value, claim.issue)
        if key not in seen:
            seen.add(key)
            claims.append(claim)
    return FidelityReport(tuple(claims))

