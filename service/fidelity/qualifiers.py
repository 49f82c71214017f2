"""Direction and hedge words in front of a number: "lebih dari" / "more than", "sekitar" /
"about", "hingga" / "up to". A figure that keeps its value but loses or changes its qualifier
says something else ("IDR 18 trillion" is not "more than IDR 18 trillion")."""

from __future__ import annotations

import re

# Class -> the phrases of both languages that put a figure in it. "nearly" hedges as "about"
# does: an editor reads "nearly 18" and "about 18" as the same claim.
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "more": (
        "more than", "over", "above", "exceeding", "exceeded", "exceeds", "topped", "tops",
        "topping", "surpassed", "surpassing", "passed", "in excess of", "upwards of",
        "greater than", "higher than", "lebih dari", "lebih daripada", "di atas", "melebihi",
        "melampaui", "lebih besar dari",
    ),
    "less": (
        "less than", "fewer than", "under", "below", "lower than", "short of", "kurang dari",
        "di bawah", "tidak sampai", "tidak lebih dari",
    ),
    "about": (
        "about", "around", "approximately", "roughly", "some", "an estimated", "estimated",
        "nearly", "almost", "close to", "circa", "sekitar", "kira-kira", "kurang lebih",
        "lebih kurang", "sekira", "hampir", "nyaris", "mendekati", "diperkirakan",
    ),
    "up_to": (
        "up to", "as many as", "as much as", "at most", "a maximum of", "maximum of",
        "no more than", "hingga", "sampai", "sampai dengan", "bisa mencapai", "dapat mencapai",
        "bisa sampai", "could reach", "may reach", "maksimal", "paling banyak",
        "maksimum", "sebanyak-banyaknya",
    ),
    "at_least": (
        "at least", "a minimum of", "no fewer than", "no less than", "minimum of",
        "setidaknya", "sedikitnya", "minimal", "paling sedikit", "sekurang-kurangnya",
        "minimum", "at minimum",
    ),
    # "between 10 and 20", "10 hingga 20": a range says nothing a single figure must keep.
    "range": ("between", "antara", "from", "dari"),
}  # fmt: skip

NAMES = {
    "more": "more than", "less": "less than", "about": "about", "up_to": "up to",
    "at_least": "at least", "range": "a range",
}
_PHRASE_CLASS = {p: c for c, phrases in QUALIFIERS.items() for p in phrases}
_ALTERNATION = "|".join(sorted((re.escape(p).replace(r"\ ", r"\s+") for p in _PHRASE_CLASS),
                               key=len, reverse=True))
_BEFORE = re.compile(rf"(?:^|[^\w-])(?P<q>{_ALTERNATION})\s*$", re.IGNORECASE)
# The second figure of a range: "10 hingga 20", "10 to 20", "10-20".
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|satu|dua|tiga|empat|lima|"
                 "enam|tujuh|delapan|sembilan|sepuluh")
_RANGE_END = re.compile(
    rf"(?:\d[\d.,]*|\b(?:{_NUMBER_WORDS}))\s*(?:[^\W\d_]+\s+)?"
    r"(?:hingga|sampai|to|and|dan|or|atau|-|–)\s*$", re.IGNORECASE)


def qualifier(text: str, start: int) -> tuple[str, str] | None:
    """The qualifier right before ``text[start:]`` as (class, phrase as written), or None."""
    before = text[max(0, start - 40):start]
    if _RANGE_END.search(before):
        return ("range", before.strip().split()[-1])
    m = _BEFORE.search(before)
    if m is None:
        return None
    phrase = m.group("q")
    return (_PHRASE_CLASS[" ".join(phrase.casefold().split())], phrase)


def qualifier_issue(claim: str | None, source: str | None) -> str | None:
    """What changed from the source's qualifier class to the claim's, or None if nothing."""
    if claim == source or source == "range" or claim == "range":
        return None
    if claim is None:
        return "qualifier_dropped"
    if source is None:
        return "qualifier_added"
    return "qualifier_changed"
