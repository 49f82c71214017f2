"""Cross-request batching: texts from concurrent callers share model calls.

Each ``generate`` call queues its texts and blocks; one worker thread per engine takes
queued texts with identical decoding parameters, groups them by length (less padding),
runs batches bounded in padded input tokens, and hands every caller exactly its own
outputs, in order. A batch waits at most ``max_wait_ms`` for company once work is queued.
N-best calls (``generate_hypotheses``) queue the same way; ``num_hypotheses`` is one of
the parameters, so they share batches only with each other.

Failure isolation: when a batch of several texts fails, its texts are retried one by one,
so one bad input (say, over the model's window) fails only the call that sent it. Whatever
a model call does (raise, return too few outputs), the error goes to the callers of that
batch and the worker goes on to the next one: no fault stalls the queue.
Deadlines: ``params.max_time`` (set by DeadlineBound from the request's Deadline) is the
caller's deadline; a caller whose deadline passes while queued gets DeadlineExceeded and its
texts are dropped before they reach the model.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from service.engine.base import Engine, EngineWrapper, GenerationParams, hypotheses_wanted
from service.engine.guard import EngineFault
from service.errors import DeadlineExceeded

log = logging.getLogger(__name__)
_IDLE_EXIT_S = 30.0


@dataclass(eq=False)
class _Call:
    """One caller's ``generate``: its outputs fill in as its texts' batches finish."""

    texts: list[str]
    expires_at: float | None  # time.monotonic(); None: no deadline
    outputs: list[list[str] | None]  # each text's hypotheses, best first
    pending: int
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def fail(self, error: BaseException) -> None:
        if not self.done.is_set():
            self.error = error
            self.done.set()

    def deliver(self, index: int, output: list[str]) -> None:
        if self.done.is_set():
            return
        self.outputs[index] = output
        self.pending -= 1
        if self.pending == 0:
            self.done.set()


@dataclass(eq=False)
class _Item:
    call: _Call
    index: int  # position in the caller's texts
    tokens: int
    key: GenerationParams  # decoding parameters, deadline removed
    queued_at: float


class Batcher(EngineWrapper):
    def __init__(self, inner: Engine, *, max_batch_tokens: int = 4096,
                 max_wait_ms: float = 10.0, name: str | None = None) -> None:
        super().__init__(inner)
        self.max_batch_tokens = max(1, max_batch_tokens)
        self.max_wait_s = max(0.0, max_wait_ms) / 1000
        self._queue: list[_Item] = []
        self._cond = threading.Condition()
        self._closed = False
        self.batches_run = 0  # for tests and the benchmark: how many model calls were made
        self._name = f"batcher-{name or inner.info.role}"
        # Started on the first call and ended after a while idle: an app that is built but
        # never used (tests build many) leaves no thread behind for long.
        self._worker: threading.Thread | None = None

    @property
    def queued(self) -> int:
        """Texts waiting for a batch (not counting the one running)."""
        with self._cond:
            return len(self._queue)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        return [best[0] for best in self._submit(texts, params)]

    def generate_hypotheses(self, texts: Sequence[str],
                            params: GenerationParams | None = None) -> list[list[str]]:
        return self._submit(texts, params)

    def _submit(self, texts: Sequence[str],
                params: GenerationParams | None) -> list[list[str]]:
        if not texts:
            return []
        params = params or GenerationParams()
        now = time.monotonic()
        expires = None if params.max_time is None else now + params.max_time
        # The deadline is the caller's own; decoding parameters decide who may share a batch.
        key = replace(params, max_time=None)
        tokens = self.inner.count_tokens(texts)
        if len(tokens) != len(texts):  # an unguarded engine: the call would never complete
            raise EngineFault(self.info.role, "wrong_count",
                              f"{len(tokens)} token counts for {len(texts)} inputs")
        call = _Call(list(texts), expires, [None] * len(texts), len(texts))
        with self._cond:
            if self._closed:
                raise RuntimeError("the batcher is closed")
            self._queue.extend(_Item(call, i, n, key, now) for i, n in enumerate(tokens))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, daemon=True, name=self._name)
                self._worker.start()
            self._cond.notify_all()
        timeout = None if expires is None else max(0.0, expires - time.monotonic())
        if not call.done.wait(timeout):
            self._drop(call)
            raise DeadlineExceeded("the request's deadline passed while its text waited for "
                                   "the model", details={"deadline_s": params.max_time})
        if call.error is not None:
            raise call.error
        return [o for o in call.outputs if o is not None]

    def _drop(self, call: _Call) -> None:
        with self._cond:
            self._queue = [it for it in self._queue if it.call is not call]
        call.fail(DeadlineExceeded("deadline passed"))

    # -- the worker --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            with self._cond:
                if self._worker is threading.current_thread():
                    self._worker = None  # the next call starts a new worker
                if self._queue and not self._closed:  # left by a crash: start again
                    self._worker = threading.Thread(target=self._run, daemon=True,
                                                    name=self._name)
                    self._worker.start()

    def _serve(self) -> None:
        while True:
            with self._cond:
                if not self._queue and not self._closed:
                    self._cond.wait(_IDLE_EXIT_S)
                if not self._queue:
                    return
                # Bounded wait for company: until the oldest item has waited max_wait, or a
                # full batch is queued.
                oldest = min(it.queued_at for it in self._queue)
                while True:
                    left = oldest + self.max_wait_s - time.monotonic()
                    if left <= 0 or self._queued_tokens() >= self.max_batch_tokens:
                        break
                    self._cond.wait(left)
                batch = self._take_batch()
            if batch:
                try:
                    self._execute(batch)
                except BaseException as exc:  # a bug here must not strand the callers
                    for it in batch:
                        it.call.fail(exc)
                    if not isinstance(exc, Exception):
                        raise

    def _queued_tokens(self) -> int:
        return sum(it.tokens for it in self._queue)

    def _take_batch(self) -> list[_Item]:
        """The oldest item's parameter group, sorted by length; the run of similar lengths
        around the oldest item that fits the token bound (padded: rows x longest)."""
        now = time.monotonic()
        live = [it for it in self._queue if not it.call.expired(now) and not it.call.done.is_set()]
        for it in self._queue:
            if it.call.expired(now):
                it.call.fail(DeadlineExceeded("deadline passed"))
        self._queue = live
        if not live:
            return []
        first = min(live, key=lambda it: it.queued_at)
        group = sorted((it for it in live if it.key == first.key), key=lambda it: it.tokens)
        at = group.index(first)
        lo = hi = at  # grow [lo, hi] outwards, nearest length first, within the bound
        while True:
            grew = False
            for cand in (lo - 1, hi + 1):
                if 0 <= cand < len(group):
                    nlo, nhi = min(lo, cand), max(hi, cand)
                    if (nhi - nlo + 1) * group[nhi].tokens <= self.max_batch_tokens:
                        lo, hi, grew = nlo, nhi, True
            if not grew:
                break
        batch = group[lo:hi + 1]
        taken = set(map(id, batch))
        self._queue = [it for it in self._queue if id(it) not in taken]
        return batch

    def _execute(self, batch: list[_Item]) -> None:
        batch = [it for it in batch if not it.call.done.is_set()]  # failed or timed out
        if not batch:
            return
        now = time.monotonic()
        deadlines = [it.call.expires_at for it in batch]
        params = batch[0].key
        if all(d is not None for d in deadlines):
            # Generation may run until the latest member's deadline; members whose own
            # deadline passes meanwhile are answered 504 by their caller.
            params = replace(params, max_time=max(0.01, max(d for d in deadlines
                                                            if d is not None) - now))
        texts = [it.call.texts[it.index] for it in batch]
        try:
            if hypotheses_wanted(params) > 1:
                outputs = self.inner.generate_hypotheses(texts, params)
            else:  # the plain call, as wrappers and engines that count calls expect
                outputs = [[out] for out in self.inner.generate(texts, params)]
            self.batches_run += 1
            if len(outputs) != len(batch):  # an unguarded engine: never hand out a misfit
                raise EngineFault(self.info.role, "wrong_count",
                                  f"{len(outputs)} outputs for {len(batch)} inputs")
        except Exception as exc:
            if len(batch) == 1:
                batch[0].call.fail(exc)
                return
            # Retry one by one: only the texts that fail on their own fail their callers.
            log.warning("batch of %d failed (%s); retrying its texts one by one", len(batch),
                        type(exc).__name__)
            for it in batch:
                self._execute([it])
            return
        for it, out in zip(batch, outputs, strict=True):
            it.call.deliver(it.index, out)
