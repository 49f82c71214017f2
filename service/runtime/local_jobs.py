"""The embedded backend: jobs in SQLite in the data dir, run by threads of the service.

Resume: the store is opened at start-up when it exists (otherwise on the first job, so a
service that never takes a job writes nothing); items left running by a dead process go
back to the queue. One process at a time owns a data dir (an flock, released by the kernel
even on kill -9).

Storage faults (the dir full, read-only, not permitted): the jobs routes answer 507/503
``jobs_storage_unavailable`` and readiness names the dir and the errno, while everything
else keeps serving. Nothing is given up: a store that could not be opened is tried again
(at most every ``retry_s``: on a submit, a read or a readiness check), and a worker holds an
item's result until the store takes it. Once the dir can be written again, jobs work
again, without a restart.

Priority: an item runs through the same admission queue as /v1/summarize, but a job worker
only asks for a slot while no interactive request is waiting, so a person at a form waits
at most for the one item in progress, never behind a whole batch; and it waits for a slot
rather than being refused, so a busy server delays jobs, never fails their items.

Webhooks: the housekeeping thread hands owed webhooks to a few sender threads, at most one
per receiver at a time, so a slow receiver delays only its own webhooks. A webhook is
marked once its delivery ends; one cut short by a stop stays owed and is sent after restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from service.config import Settings
from service.errors import (
    DeadlineExceeded,
    JobsStorageUnavailable,
    NotReady,
    Overloaded,
    RingkasError,
)
from service.jobs.model import JobRequest, JobState, new_job_id
from service.jobs.store import Claimed, JobStore, storage_fault
from service.jobs.webhook import deliver, payload, receiver_of
from service.runtime.assembly import Runtime
from service.runtime.execute import Outcome, outcome

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # an item that was running when the process died this often is given up
HOUSEKEEPING_S = 30.0
RETRY_S = 5.0  # a data dir that failed is tried again at most this often


class JobsUnavailable(RingkasError):
    status = 503
    default_code = "jobs_unavailable"


def in_use(data_dir: Path, pid: int | None) -> JobsUnavailable:
    holder = f" (pid {pid})" if pid else ""
    return JobsUnavailable(f"the jobs data dir {data_dir} is in use by another ringkas "
                           f"process{holder}; give each instance its own RINGKAS_DATA_DIR",
                           details={"data_dir": str(data_dir)})


def _holder(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def held_elsewhere(data_dir: Path) -> JobsUnavailable | None:
    """Whether another process holds ``data_dir``'s jobs lock (a look, not a claim)."""
    try:
        fd = os.open(data_dir / "jobs.lock", os.O_RDONLY)
    except OSError:
        return None  # no lock file (never used) or unreadable: opening the store will say
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return in_use(data_dir, _holder(fd))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class _Busy(Exception):
    """Not now (models loading, server draining or full): the item goes back unharmed."""


class LocalJobs:
    retry_s = RETRY_S

    def __init__(self, settings: Settings, runtime: Runtime, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.runtime = runtime
        self.clock = clock
        self.dir = Path(settings.data_dir).expanduser()
        self.path = self.dir / "jobs.sqlite3"
        self._store: JobStore | None = None
        self._lock_fd: int | None = None
        self._lock = threading.RLock()  # the store, the lock file and the fault
        self._fault: JobsStorageUnavailable | None = None
        self._fault_at = 0.0  # time.monotonic() of the last failed try
        self._wake, self._hooks, self._stop = threading.Event(), threading.Event(), \
            threading.Event()
        self._threads: list[threading.Thread] = []
        # Webhooks out now (job id -> receiver), guarded with the store's pending list by
        # _hook_lock, so a job is never handed out twice; None in the outbox stops a sender.
        self._hook_lock = threading.Lock()
        self._sending: dict[str, str] = {}
        self._outbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._senders = max(1, settings.jobs.webhook_workers)

    # --- life cycle -----------------------------------------------------------------------

    def start_if_present(self) -> None:
        """At start-up: resume the jobs of an earlier run, if there were any."""
        if self.path.exists():
            try:
                self.store()
            except JobsStorageUnavailable:
                pass  # logged when noted; the service starts, its readiness degraded
            except JobsUnavailable as exc:
                log.error("%s", exc.message)

    def store(self) -> JobStore:
        with self._lock:
            if self._store is None:
                if self._fault is not None and not self._retry_due():
                    raise _again(self._fault)
                with self._storage():
                    self._store = self._open()
                self._cleared()
            return self._store

    def _open(self) -> JobStore:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / "jobs.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise in_use(self.dir, _holder(fd)) from None
            # Who holds it, for the message another instance on this dir will give.
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            store = JobStore(self.path, retention_s=self.settings.jobs.job_retention_s,
                             clock=self.clock)
            requeued, given_up = store.resume(MAX_ATTEMPTS)
        except BaseException:
            # The lock goes with whatever failed: a later try (the disk has room again) must
            # find it free, not held by this very process.
            os.close(fd)
            raise
        self._lock_fd = fd
        if requeued or given_up:
            log.info("jobs: resumed %d item(s) left running by an earlier run; gave up %d",
                     requeued, given_up)
        workers = max(1, self.settings.jobs.job_workers)
        self._threads = [threading.Thread(target=self._work, args=(store,), daemon=True,
                                          name=f"job-worker-{i}") for i in range(workers)]
        self._threads.append(threading.Thread(target=self._housekeep, args=(store,),
                                              daemon=True, name="job-housekeeping"))
        # Daemon threads like the others: a stopping process is not held by a slow receiver
        # (what it owed stays pending in the store).
        self._threads += [threading.Thread(target=self._send_webhooks, args=(store,),
                                           daemon=True, name=f"job-webhook-{i}")
                          for i in range(self._senders)]
        for t in self._threads:
            t.start()
        self._hooks.set()  # webhooks an earlier run owed
        return store

    def claim(self) -> None:
        """Take the data dir now (``ringkas serve`` at start), not at the first job: a
        second instance on the same dir is then refused at once. Raises JobsUnavailable
        when another process holds it; a storage fault leaves readiness degraded."""
        with contextlib.suppress(JobsStorageUnavailable):  # logged; readiness degraded
            self.store()

    def conflict(self) -> JobsUnavailable | None:
        """Another process holds this data dir (readiness fails with it), or None."""
        with self._lock:
            if self._store is not None:
                return None
        return held_elsewhere(self.dir)

    def stop(self, timeout_s: float = 30) -> None:
        """Stop the threads (after the item in progress) and release the data dir."""
        self._stop.set()
        self._wake.set()
        self._hooks.set()
        for _ in range(self._senders):
            self._outbox.put(None)
        for t in self._threads:
            t.join(timeout_s)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- storage faults -------------------------------------------------------------------

    @contextmanager
    def _storage(self) -> Iterator[None]:
        """A fault of the data dir's storage becomes 507/503 jobs_storage_unavailable, and
        is noted for readiness; any other error stays what it was."""
        try:
            yield
        except (OSError, sqlite3.Error) as exc:
            fault = storage_fault(exc, self.dir)
            if fault is None:
                raise
            with self._lock:
                if self._fault is None:  # once per fault, not once per request
                    log.error("%s", fault.message)
                self._fault, self._fault_at = fault, time.monotonic()
            raise fault from exc

    def _cleared(self) -> None:
        """A write went through: the data dir is fine (again)."""
        with self._lock:
            if self._fault is not None:
                log.info("jobs: the data dir %s can be written again", self.dir)
                self._fault = None

    def _retry_due(self) -> bool:
        return time.monotonic() - self._fault_at >= self.retry_s

    def storage_fault(self) -> JobsStorageUnavailable | None:
        """The data dir's standing fault, if any, after one more try when one is due: so
        readiness sees the dir heal even while no job comes in."""
        with self._lock:
            fault, store = self._fault, self._store
            if fault is None or not self._retry_due():
                return fault
        try:
            if store is None:
                self.store()
            else:
                with self._storage():
                    store.check_writable()
                self._cleared()
        except RingkasError:
            pass  # still faulty (noted), or the dir now in use by another process
        except Exception:  # readiness must not fail over it: sync requests still work
            log.exception("jobs: trying the data dir %s again failed", self.dir)
        with self._lock:
            return self._fault

    # --- the API --------------------------------------------------------------------------

    def submit(self, owner: str | None, req: JobRequest) -> JobState:
        with self._storage():
            state = self.store().create(new_job_id(), owner, req.items, req.webhook)
        self._cleared()
        self._wake.set()
        if state.finished_at is not None:
            self._hooks.set()
        return state

    def get(self, job_id: str, owner: str | None, *, items: bool = True) -> JobState | None:
        if self._store is None and not self.path.exists():
            return None
        with self._storage():
            return self.store().get(job_id, owner, items=items)

    def cancel(self, job_id: str, owner: str | None) -> JobState | None:
        if self._store is None and not self.path.exists():
            return None
        with self._storage():
            return self.store().cancel(job_id, owner)

    # --- the threads ----------------------------------------------------------------------

    def _work(self, store: JobStore) -> None:
        while not self._stop.is_set():
            if self.runtime.admission.draining:  # shutting down: leave the rest queued
                self._stop.wait(1)
                continue
            try:
                with self._storage():
                    item = store.claim()
            except JobsStorageUnavailable:
                self._stop.wait(self.retry_s)  # noted (and logged) by _storage
                continue
            except Exception:
                log.exception("jobs: cannot claim an item")
                self._stop.wait(5)
                continue
            if item is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                result, error = self._execute(item)
            except _Busy:
                self._persist(partial(store.release, item.job_id, item.index))
                self._stop.wait(0.5)
                continue
            if self._persist(partial(store.finish_item, item.job_id, item.index,
                                     result=result, error=error)):
                self._hooks.set()

    def _persist(self, write: Callable[[], str | None]) -> str | None:
        """A worker's write, tried again while the data dir cannot take it: an item's result
        waits here rather than being lost (stopped first, the item is still running in the
        store, and runs again on restart)."""
        while True:
            try:
                with self._storage():
                    done = write()
            except JobsStorageUnavailable:
                if self._stop.wait(self.retry_s):
                    return None
                continue
            self._cleared()
            return done

    def _execute(self, item: Claimed) -> Outcome:
        rt = self.runtime
        try:
            pipeline = rt.pipeline()
            while rt.admission.depth[1] > 0 and not self._stop.is_set():
                time.sleep(0.05)  # interactive requests are waiting: they go first
            # Tied to the server's abort: a shutdown past its drain timeout stops the item
            # too, and it goes back to the queue (below) instead of being recorded as failed.
            deadline = rt.admission.deadline(self.settings.jobs.job_item_timeout_s)
            with rt.admission.slot(deadline):
                done = outcome(pipeline, item.kind, item.request, self.settings.limits,
                               deadline, f"{item.job_id}[{item.index}]",
                               rt.glossaries.matchers)
            if deadline.aborted:
                raise _Busy
            return done
        # outcome() turns the item's own errors into its result; these come from around it
        # (no slot in time included): the server is busy, not the item wrong.
        except (NotReady, Overloaded, DeadlineExceeded) as exc:
            raise _Busy from exc

    def _housekeep(self, store: JobStore) -> None:
        while not self._stop.is_set():
            try:
                with self._storage():
                    store.purge_expired()
                    self._schedule_webhooks(store)
            except JobsStorageUnavailable:
                pass  # noted (and logged) by _storage; tried again next round
            except Exception:
                log.exception("jobs: housekeeping failed")
            self._hooks.wait(HOUSEKEEPING_S)
            self._hooks.clear()

    def _schedule_webhooks(self, store: JobStore) -> None:
        """Hand owed webhooks to the senders: no more than there are senders, and none to a
        receiver already being called. The rest wait, pending, for the next pass (each
        finished delivery starts one)."""
        with self._hook_lock:
            busy = set(self._sending.values())
            for job_id, url in store.pending_webhooks():
                if self._stop.is_set() or len(self._sending) >= self._senders:
                    break
                receiver = receiver_of(url) or job_id  # unparseable: refused at once, alone
                if job_id in self._sending or receiver in busy:
                    continue
                self._sending[job_id] = receiver
                busy.add(receiver)
                self._outbox.put(job_id)

    def _send_webhooks(self, store: JobStore) -> None:
        while (job_id := self._outbox.get()) is not None:
            state: str | None = None  # None: leave it pending
            try:
                if not self._stop.is_set():
                    state = self._call_webhook(store, job_id)
            except Exception:
                log.exception("jobs: webhook for job %s failed", job_id)
            recorded = False
            with self._hook_lock:
                try:
                    if state is not None:
                        store.mark_webhook(job_id, state)
                        recorded = True
                except Exception:  # e.g. a full disk: it stays pending and is sent again
                    log.warning("jobs: cannot record the webhook of job %s", job_id)
                finally:
                    self._sending.pop(job_id, None)
            if recorded:
                self._hooks.set()  # its receiver is free: the next pass may call it again
            # else: the next regular pass (HOUSEKEEPING_S) tries again, not a tight loop

    def _call_webhook(self, store: JobStore, job_id: str) -> str | None:
        """Deliver one job's webhook: the state to record, None to leave it pending."""
        url, owner = store.webhook_of(job_id)
        job = store.get(job_id, owner, items=False)
        if url is None or job is None:
            return "dropped"
        outcome = deliver(url, payload(job.to_json(items=False)),
                          allowed_hosts=self.settings.jobs.webhook_hosts,
                          secret=self.settings.jobs.webhook_secret,
                          total_s=self.settings.jobs.webhook_timeout_s, stop=self._stop)
        log.info("webhook for job %s: %s", job_id, outcome)
        return None if outcome == "interrupted" else outcome


def _again(fault: JobsStorageUnavailable) -> JobsStorageUnavailable:
    """The same answer once more, as a fresh exception (one raised twice grows its
    traceback)."""
    return type(fault)(fault.message, details=fault.details)
