"""What a pipeline run reports besides its text: warnings and stage timings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from service.pipeline.human import HumanUse


@dataclass(frozen=True)
class RunWarning:
    code: str
    message: str
    # Machine-readable particulars (sentence index, expected and found values...), if any.
    details: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            out["details"] = self.details
        return out


# Told of a request's progress as it happens (a streamed answer's events): name, data.
Listener = Callable[[str, dict[str, Any]], None]


@dataclass
class Report:
    """Collected while one request runs; turned into the response's warnings and timings.
    ``listener`` hears of each finished step as it finishes (a streamed answer)."""

    warnings: list[RunWarning] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The sentences a human translation gave, in the order they were translated.
    human: list[HumanUse] = field(default_factory=list)
    listener: Listener | None = None

    def emit(self, event: str, data: dict[str, Any]) -> None:
        if self.listener is not None:
            self.listener(event, data)

    def warn(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        if all(w.code != code or w.message != message for w in self.warnings):
            self.warnings.append(RunWarning(code, message, details))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.timings_ms[name] = round(self.timings_ms.get(name, 0.0) + elapsed, 1)
