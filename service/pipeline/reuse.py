"""Whole answers reused: an identical request is answered with the result already computed
for it, and identical requests arriving together are computed once (the first computes;
the others wait for its result).

Only a finished result is kept. When the computing request fails (its own deadline, an
engine fault), the ones waiting on it do not inherit its error: the next of them computes
for itself, under its own deadline.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_WAIT_SLICE_S = 0.05  # how often a waiting request reads its own deadline


def request_key(*parts: Any) -> str:
    """A digest of everything that decides an answer (JSON-able parts, in order)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=repr)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class _Flight(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    ok: bool = False


class ResultCache(Generic[T]):
    """At most ``max_entries`` results, least recently used out first."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max(0, max_entries)
        self._results: OrderedDict[str, T] = OrderedDict()
        self._flights: dict[str, _Flight[T]] = {}
        self._lock = threading.Lock()
        self.computed = 0  # results computed, for tests and the benchmark

    def __len__(self) -> int:
        return len(self._results)

    def get_or_compute(self, key: str, compute: Callable[[], T],
                       check: Callable[[], None] | None = None) -> tuple[T, bool]:
        """The result for ``key`` and whether it was reused (True) or computed now.
        ``check`` (the caller's deadline) is called while waiting on another request."""
        while True:
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    return self._results[key], True
                flight = self._flights.get(key)
                leader = flight is None
                if flight is None:
                    flight = self._flights[key] = _Flight()
            if leader:
                return self._lead(key, flight, compute), False
            while not flight.done.wait(_WAIT_SLICE_S):
                if check is not None:
                    check()
            if flight.ok:
                return flight.result, True  # type: ignore[return-value]
            # It failed: compute (or wait on whoever computes) again, for this caller.

    def _lead(self, key: str, flight: _Flight[T], compute: Callable[[], T]) -> T:
        try:
            result = compute()
        except BaseException:
            with self._lock:
                del self._flights[key]
            flight.done.set()
            raise
        with self._lock:
            self.computed += 1
            flight.result, flight.ok = result, True
            del self._flights[key]
            if self.max_entries:
                self._results[key] = result
                while len(self._results) > self.max_entries:
                    self._results.popitem(last=False)
        flight.done.set()
        return result
