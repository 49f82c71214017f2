"""Characters translated per key and month, for the DeepL-compatible /v2/usage and its 456.

With API keys on, the key store counts them (service/auth/store.py: per key, shared by every
server process, with the key's quota). With keys off there is no key to charge: the process
counts what it translated this month, in memory and without a limit.
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

    def charge(self, key_id: int, characters: int) -> str: ...

    def refund(self, key_id: int, characters: int, period: str) -> None: ...


class ProcessMeter:
    """The meter with keys off: one anonymous count for this process, no quota."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._period = current_period()
        self._characters = 0

    def _roll(self, period: str) -> None:
        if period != self._period:
            self._period, self._characters = period, 0

    def usage(self, key_id: int) -> CharUsage:
        with self._lock:
            self._roll(current_period())
            return CharUsage(self._characters, None, self._period)

    def charge(self, key_id: int, characters: int) -> str:
        with self._lock:
            self._roll(current_period())
            self._characters += characters
            return self._period

    def refund(self, key_id: int, characters: int, period: str) -> None:
        with self._lock:
            if period == self._period:
                self._characters = max(0, self._characters - characters)
