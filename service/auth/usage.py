"""Characters translated per key and month, for the DeepL-compatible /v2/usage and its 456.

With API keys on, the key store counts them (service/auth/store.py: per key, shared by every
server process, with the key's quota). With keys off there is no key to charge: the process
counts what it translated this month, in memory and without a limit.

A charge made with a ``ref`` (a document's id) is recorded with the count it raised, in the
same transaction, so that :meth:`Meter.refund_charge` can give it back exactly once, from
any process, after the one that charged it died.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


@dataclass(frozen=True)
class CharUsage:
    characters: int
    limit: int | None  # None: no quota
    period: str  # YYYY-MM (UTC)


def current_period(now: datetime | None = None) -> str:
    """The counting period: the calendar month in UTC."""
    return (now or datetime.now(UTC)).strftime("%Y-%m")


class Meter(Protocol):
    def usage(self, key_id: int) -> CharUsage: ...

    def charge(self, key_id: int, characters: int, ref: str | None = None) -> str: ...

    def refund(self, key_id: int, characters: int, period: str) -> None: ...

    def refund_charge(self, key_id: int, ref: str) -> bool: ...


class ProcessMeter:
    """The meter with keys off: one anonymous count for this process, no quota."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._period = current_period()
        self._characters = 0
        self._charges: dict[str, tuple[int, str]] = {}  # ref: (characters, period)

    def _roll(self, period: str) -> None:
        if period != self._period:
            self._period, self._characters = period, 0

    def usage(self, key_id: int) -> CharUsage:
        with self._lock:
            self._roll(current_period())
            return CharUsage(self._characters, None, self._period)

    def charge(self, key_id: int, characters: int, ref: str | None = None) -> str:
        with self._lock:
            self._roll(current_period())
            self._characters += characters
            if ref is not None:
                self._charges = {r: c for r, c in self._charges.items()
                                 if c[1] == self._period}
                self._charges[ref] = (characters, self._period)
            return self._period

    def refund(self, key_id: int, characters: int, period: str) -> None:
        with self._lock:
            self._refund(characters, period)

    def refund_charge(self, key_id: int, ref: str) -> bool:
        """Give back the charge made with ``ref``, once; False when there is none (given
        back already, never made, or made by a process that has stopped since)."""
        with self._lock:
            found = self._charges.pop(ref, None)
            if found is not None:
                self._refund(*found)
            return found is not None

    def _refund(self, characters: int, period: str) -> None:
        if period == self._period:
            self._characters = max(0, self._characters - characters)
