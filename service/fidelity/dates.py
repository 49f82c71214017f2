"""Weekdays, months and calendar dates in Indonesian and English: "Senin" is "Monday",
"12 Januari" is "January 12", "Senin (12/1)" is Monday, January 12."""

from __future__ import annotations

import re
from dataclasses import dataclass

WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4,
    "sabtu": 5, "minggu": 6, "ahad": 6,
}  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = {
    "january": 1, "januari": 1, "jan": 1, "february": 2, "februari": 2, "feb": 2, "march": 3,
    "maret": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "mei": 5, "june": 6, "juni": 6,
    "jun": 6, "july": 7, "juli": 7, "jul": 7, "august": 8, "agustus": 8, "aug": 8, "agu": 8,
    "agt": 8, "september": 9, "sep": 9, "sept": 9, "october": 10, "oktober": 10, "oct": 10,
    "okt": 10, "november": 11, "nov": 11, "december": 12, "desember": 12, "dec": 12, "des": 12,
}  # fmt: skip
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted((re.escape(w) for w in WEEKDAYS), key=len, reverse=True))
_PATTERNS = (
    # "12 Januari", "12 January 2025"
    re.compile(rf"\b(?P<day>[0-3]?\d)\s+(?P<month>{_MONTH})\.?(?![\w])", re.IGNORECASE),
    # "January 12", "Jan. 12th"
    re.compile(rf"\b(?P<month>{_MONTH})\.?\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b", re.IGNORECASE),
    # "Senin (12/1)": Indonesian news dates a weekday day/month in brackets
    re.compile(rf"\b(?P<weekday>{_WEEKDAY})\s*\((?P<day>[0-3]?\d)/(?P<mon>[01]?\d)(?:/\d{{2,4}})?\)",
               re.IGNORECASE),
    re.compile(rf"\b(?P<weekday>{_WEEKDAY})\b", re.IGNORECASE),
    re.compile(rf"\b(?P<month>{_MONTH})\b", re.IGNORECASE),
)
# Capitalised only: "may" is a verb and "minggu" a week unless written as names.
_NEEDS_CAPITAL = frozenset({"may", "minggu", "mar", "jun", "des", "dec", "sep", "agu"})


@dataclass(frozen=True)
class DateMention:
    kind: str  # "weekday" | "date" | "month"
    text: str
    start: int
    end: int
    weekday: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def value(self) -> str:
        if self.kind == "weekday":
            return WEEKDAY_NAMES[self.weekday or 0].lower()
        if self.kind == "date":
            return f"{MONTH_NAMES[(self.month or 1) - 1].lower()} {self.day}"
        return MONTH_NAMES[(self.month or 1) - 1].lower()


def _plausible(word: str | None, text: str, start: int) -> bool:
    if word is None:
        return True
    if word.casefold() in _NEEDS_CAPITAL:
        before = text[:start].rstrip()
        return word[0].isupper() and bool(before) and before[-1] not in ".!?\"“"
    return True


def extract_dates(text: str) -> list[DateMention]:
    """Dates, weekdays and months in ``text`` (either language), in order, without overlap."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            groups = m.groupdict()
            month_word, weekday_word = groups.get("month"), groups.get("weekday")
            if not (_plausible(month_word, text, m.start("month") if month_word else 0)
                    and _plausible(weekday_word, text, m.start("weekday") if weekday_word
                                   else 0)):
                continue
            month = MONTHS[month_word.casefold()] if month_word else (
                int(groups["mon"]) if groups.get("mon") else None)
            day = int(groups["day"]) if groups.get("day") else None
            if not (1 <= (day or 1) <= 31 and 1 <= (month or 1) <= 12):
                continue
            weekday = WEEKDAYS[weekday_word.casefold()] if weekday_word else None
            if weekday is not None and day is not None:  # "Senin (12/1)": both
                found.append(DateMention("weekday", weekday_word or "", m.start("weekday"),
                                         m.end("weekday"), weekday=weekday))
            kind = "date" if day is not None else "weekday" if weekday is not None else "month"
            found.append(DateMention(kind, m.group(0), m.start(), m.end(), weekday=weekday,
                                     month=month, day=day))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def date_matches(claim: DateMention, source: DateMention) -> bool:
    """Whether one source mention says what one summary mention says."""
    if claim.kind == "weekday":
        return source.weekday == claim.weekday
    if claim.kind == "date":
        return source.kind == "date" and (source.month, source.day) == (claim.month, claim.day)
    return source.month == claim.month


def comparable(claim: DateMention, source: DateMention) -> bool:
    """Whether the source mention speaks of the same thing (so a difference is a change)."""
    if claim.kind == "weekday":
        return source.weekday is not None
    return source.month is not None and (claim.kind == "month" or source.kind == "date")
