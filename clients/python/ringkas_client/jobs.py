"""Waiting for a job, without I/O: both clients poll ``GET /v1/jobs/{id}?items=false`` and
hand each answer to a :class:`JobWatch`, which says whether progress changed, whether the
job is final, and how long to sleep before the next poll."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ringkas_client.errors import JobTimeoutError, TransportError
from ringkas_client.results import FINAL_STATUSES, Job

# Called with the job's progress ({"done", "failed", "finished", "total"}) when it changes;
# the async client also awaits what it returns, if it is awaitable.
ProgressCallback = Callable[[dict[str, int]], object]

DEFAULT_WAIT_S = 600.0
DEFAULT_POLL_S = 0.5


class JobWatch:
    """One wait for one job: at most ``timeout_s`` seconds (None: as long as it takes),
    polling every ``poll_s`` seconds."""

    def __init__(self, job_id: str, *, timeout_s: float | None, poll_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if poll_s <= 0:
            raise ValueError("poll_s must be positive")
        if timeout_s is not None and timeout_s < 0:
            raise ValueError("timeout_s cannot be negative")
        self.job_id = job_id
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self._clock = clock
        self._deadline = None if timeout_s is None else clock() + timeout_s
        self._progress: dict[str, int] | None = None
        self.last: Job | None = None

    def observe(self, body: Mapping[str, Any]) -> dict[str, int] | None:
        """Take one answer; the new progress when it differs from the last one seen (the
        first one counts as a change), else None."""
        try:
            job = Job.from_json(dict(body))
        except (KeyError, TypeError, ValueError) as exc:
            raise TransportError(f"job {self.job_id}: the answer is not a job (no {exc})",
                                 code="unexpected_response") from exc
        if job.id != self.job_id:
            raise TransportError(f"the answer is about job {job.id!r}, not {self.job_id!r}",
                                 code="unexpected_response")
        self.last = job
        if job.progress == self._progress:
            return None
        self._progress = dict(job.progress)
        return dict(job.progress)

    @property
    def final(self) -> bool:
        return self.last is not None and self.last.status in FINAL_STATUSES

    def pause(self) -> float:
        """Seconds to sleep before the next poll; JobTimeoutError once the time is up."""
        if self.last is None:
            raise RuntimeError("observe an answer first")
        if self._deadline is None:
            return self.poll_s
        left = self._deadline - self._clock()
        if left <= 0:
            raise JobTimeoutError(f"job {self.job_id} is still {self.last.status} after "
                                  f"{self.timeout_s:g} s", job=self.last)
        return min(self.poll_s, left)
