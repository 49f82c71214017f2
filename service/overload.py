"""Overload control: a bounded admission queue in front of inference, and deadlines.

Inference is CPU-bound: letting every request start at once only makes all of them late.
A few run, a bounded number wait, the rest are told at once when to come back (503 +
Retry-After); a request that outlives its deadline is answered 504 and its remaining work
is dropped at the next model call, never left to pile up. A shutdown whose drain times out
aborts what is still admitted: each such request is answered 503 ``shutting_down`` at once,
even while a model call it started is still running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from service.engine import Engine, EngineWrapper, GenerationParams
from service.errors import DeadlineExceeded, Overloaded

# What an aborted request's 503 tells the client: a restarted service is back in seconds.
ABORT_RETRY_AFTER_S = 5
_POLL_S = 0.05  # how often a caller blocked on a model call looks at the abort flag
T = TypeVar("T")


@dataclass(frozen=True)
class Deadline:
    expires_at: float  # time.monotonic()
    budget_s: float
    # Set by the server when its drain times out: the request stops waiting at once.
    abort: threading.Event | None = field(default=None, compare=False)

    @classmethod
    def after(cls, seconds: float, abort: threading.Event | None = None) -> Deadline:
        return cls(time.monotonic() + seconds, seconds, abort)

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()

    @property
    def aborted(self) -> bool:
        return self.abort is not None and self.abort.is_set()

    def check(self) -> None:
        if self.aborted:
            raise Overloaded("the server stopped before this request finished; retry",
                             ABORT_RETRY_AFTER_S, code="shutting_down")
        if self.remaining() <= 0:
            raise DeadlineExceeded(f"the request took longer than its deadline of "
                                   f"{self.budget_s:g} s; its remaining work was dropped",
                                   details={"deadline_s": self.budget_s})


class DeadlineBound(EngineWrapper):
    """An engine wrapper: no model call starts after the deadline, none runs past it
    (transformers' max_time), and output finished too late is discarded."""

    def __init__(self, inner: Engine, deadline: Deadline) -> None:
        super().__init__(inner)
        self.deadline = deadline

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        return self._bounded(self.inner.generate, texts, params)

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        return self._bounded(self.inner.generate_hypotheses, texts, params)

    def _bounded(self, fn: Callable[[Sequence[str], GenerationParams], T],
                 texts: Sequence[str], params: GenerationParams | None) -> T:
        self.deadline.check()
        params = params or GenerationParams()
        bounded = GenerationParams(**{**params.overrides(),
                                      "max_time": max(0.01, self.deadline.remaining())})
        if self.deadline.abort is None:
            out = fn(texts, bounded)
        else:
            out = self._abortable(fn, texts, bounded)
        self.deadline.check()
        return out

    def _abortable(self, fn: Callable[[Sequence[str], GenerationParams], T],
                   texts: Sequence[str], params: GenerationParams) -> T:
        """The model call runs in its own thread so that an abort answers the caller now;
        the call itself cannot be interrupted and ends (unread) in the background."""
        done = threading.Event()
        box: dict[str, object] = {}

        def call() -> None:
            try:
                box["out"] = fn(texts, params)
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=call, name="engine-call", daemon=True).start()
        while not done.wait(_POLL_S):
            if self.deadline.aborted:
                self.deadline.check()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        out: T = box["out"]  # type: ignore[assignment]
        return out


class Admission:
    """At most ``max_inflight`` requests run inference, at most ``max_queue`` wait."""

    def __init__(self, max_inflight: int = 1, max_queue: int = 16) -> None:
        self.max_inflight = max(1, max_inflight)
        self.max_queue = max(0, max_queue)
        self._slots = threading.Semaphore(self.max_inflight)
        self._lock = threading.Condition()
        self._waiting = 0
        self._running = 0
        self._draining = False
        self.aborted = threading.Event()  # see abort()
        self._avg_s = 2.0  # running average of a request's service time, for Retry-After

    @property
    def depth(self) -> tuple[int, int]:
        """(running, waiting)"""
        with self._lock:
            return self._running, self._waiting

    @property
    def draining(self) -> bool:
        return self._draining

    def retry_after_s(self) -> int:
        with self._lock:
            backlog = self._running + self._waiting
        return max(1, round(self._avg_s * (backlog + 1) / self.max_inflight))

    @contextmanager
    def slot(self, deadline: Deadline) -> Iterator[None]:
        with self._lock:
            if self._draining:
                raise Overloaded("the server is shutting down", self.retry_after_s(),
                                 code="shutting_down")
            if self._waiting >= self.max_queue and self._running >= self.max_inflight:
                raise Overloaded(f"all {self.max_inflight} inference slot(s) are busy and "
                                 f"{self._waiting} request(s) are waiting; retry later",
                                 self.retry_after_s())
            self._waiting += 1
        acquired = False
        while not acquired and deadline.remaining() > 0 and not deadline.aborted:
            acquired = self._slots.acquire(timeout=min(_POLL_S * 4,
                                                       max(0.0, deadline.remaining())))
        if acquired and deadline.aborted:  # a slot freed by the abort itself: not for us
            self._slots.release()
            acquired = False
        with self._lock:
            self._waiting -= 1
            if acquired:
                self._running += 1
            else:
                self._lock.notify_all()  # a drain or abort waits for this count
        if not acquired:
            deadline.check()  # aborted: 503 shutting_down; expired: 504
            raise DeadlineExceeded("no inference slot became free before the deadline")
        started = time.monotonic()
        try:
            yield
        finally:
            self._slots.release()
            with self._lock:
                self._running -= 1
                self._avg_s = 0.8 * self._avg_s + 0.2 * (time.monotonic() - started)
                self._lock.notify_all()

    def drain(self, timeout_s: float) -> bool:
        """Refuse new work and wait for admitted work to finish; True when it all did."""
        with self._lock:
            self._draining = True
        return self._settle(timeout_s)

    def deadline(self, seconds: float) -> Deadline:
        """A request's deadline, tied to this queue's abort."""
        return Deadline.after(seconds, self.aborted)

    def abort(self, timeout_s: float) -> bool:
        """After a timed-out drain: every admitted request answers 503 ``shutting_down`` now.
        Waits up to ``timeout_s`` for their slots to be given back; True when they were."""
        self.aborted.set()
        return self._settle(timeout_s)

    def _settle(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for no request to be running or waiting."""
        end = time.monotonic() + timeout_s
        with self._lock:
            while self._running or self._waiting:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True
