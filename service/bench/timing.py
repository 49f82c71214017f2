"""Wall and CPU seconds of one piece of work, and ratios of them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def cpu_s() -> float:
    # (os.times counts in clock ticks, 10 ms: a tiny model's whole run can read as 0)
    return time.process_time()


def ratio(a: float, b: float) -> float | None:
    """a / b to 3 places; None where b is too small to have been measured."""
    return round(a / b, 3) if b > 0 else None


@dataclass
class Timing:
    wall_s: float
    cpu_s: float


def timed(fn: Callable[[], Any]) -> Timing:
    cpu, started = cpu_s(), time.perf_counter()
    fn()
    return Timing(time.perf_counter() - started, cpu_s() - cpu)
