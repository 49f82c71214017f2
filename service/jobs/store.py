"""Jobs and their items in SQLite (WAL), every change one transaction.

An item's result is written by ``finish_item`` only while the item is ``running``, in the
same transaction that finishes its job when it was the last one: a result is never recorded
twice, and a crash between two statements cannot leave a job half-finished. Article text is
kept only until its item is finished, and a finished job is deleted once its retention ends.

Every call opens its own connection, so one store is safe to share between threads.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.errors import JobsStorageFull, JobsStorageUnavailable
from service.jobs.model import (
    CANCELLED,
    FINAL,
    ITEM_DONE,
    ITEM_ERROR,
    QUEUED,
    RUNNING,
    Item,
    ItemState,
    JobState,
    counts,
    final_status,
    live_status,
)
from service.sqlite_tx import immediate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            TEXT PRIMARY KEY,
    owner         TEXT,
    status        TEXT NOT NULL,
    total         INTEGER NOT NULL,
    created_at    REAL NOT NULL,
    finished_at   REAL,
    expires_at    REAL,
    webhook       TEXT,
    webhook_state TEXT
);
CREATE TABLE IF NOT EXISTS items (
    job_id    TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    ref       TEXT,
    request   TEXT,
    state     TEXT NOT NULL,
    result    TEXT,
    error     TEXT,
    attempts  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, idx)
);
CREATE INDEX IF NOT EXISTS items_open ON items (state) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_expiry ON jobs (expires_at) WHERE expires_at IS NOT NULL;
"""
CRASHED = {"code": "item_crashed", "message": "the service stopped while running this item "
           "too many times; it was not retried again"}

_FULL = {errno.ENOSPC, errno.EDQUOT}
_STORAGE = {*_FULL, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
# SQLite's primary result codes for a refusal of the storage itself (an extended code such
# as SQLITE_READONLY_DIRECTORY keeps its primary code in the low byte).
_SQLITE_FULL, _SQLITE_IOERR = 13, 10
_SQLITE_UNWRITABLE = {8, 14, 3}  # SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM


def storage_fault(exc: BaseException, directory: Path) -> JobsStorageUnavailable | None:
    """The API's error for a fault of the storage under ``directory`` (out of space,
    read-only, not permitted, I/O error), naming the dir and the errno; None for any other
    error (a bug, a busy database), which stays what it was."""
    code: int | None = None
    if isinstance(exc, OSError):
        code = exc.errno if exc.errno in _STORAGE else None
    elif isinstance(exc, sqlite3.Error):
        primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if primary == _SQLITE_FULL:
            code = errno.ENOSPC  # what SQLite's unix VFS turns into SQLITE_FULL
        elif primary == _SQLITE_IOERR:
            code = errno.EIO
        elif primary in _SQLITE_UNWRITABLE:
            code = _unwritable(directory)  # SQLite does not say which of the two it was
    if code is None:
        return None
    name = errno.errorcode.get(code, str(code))
    cls = JobsStorageFull if code in _FULL else JobsStorageUnavailable
    return cls(f"the jobs data dir {directory} cannot be written ({name}: {os.strerror(code)});"
               " jobs are unavailable until it can", details={"data_dir": str(directory),
                                                               "errno": name})


def _unwritable(directory: Path) -> int:
    """EROFS when the dir's file system is mounted read-only, else EACCES (permissions)."""
    try:
        return errno.EROFS if os.statvfs(directory).f_flag & os.ST_RDONLY else errno.EACCES
    except OSError:
        return errno.EACCES


@dataclass(frozen=True)
class Claimed:
    job_id: str
    index: int
    kind: str
    request: Mapping[str, Any]


class JobStore:
    def __init__(self, path: str | Path, *, retention_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_s = retention_s
        self.clock = clock
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        # FULL: a job acknowledged with 202 survives even a power cut, not only a crash.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as conn, immediate(conn):
            yield conn

    # --- the API's side -------------------------------------------------------------------

    def create(self, job_id: str, owner: str | None, items: Sequence[Item],
               webhook: str | None) -> JobState:
        now = self.clock()
        with self._tx() as conn:
            conn.execute("INSERT INTO jobs (id, owner, status, total, created_at, webhook) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (job_id, owner, QUEUED, len(items), now, webhook))
            conn.executemany(
                "INSERT INTO items (job_id, idx, kind, ref, request, state, error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(job_id, it.index, it.kind, it.ref,
                  None if it.error else json.dumps(dict(it.request)),
                  ITEM_ERROR if it.error else QUEUED,
                  json.dumps(it.error) if it.error else None) for it in items])
            self._finish_job_if_complete(conn, job_id, now)
        state = self.get(job_id, owner)
        assert state is not None
        return state

    def get(self, job_id: str, owner: str | None, *, items: bool = True) -> JobState | None:
        with closing(self._connect()) as conn:
            return self._read(conn, job_id, owner, items=items)

    def cancel(self, job_id: str, owner: str | None) -> JobState | None:
        """Cancel a live job: queued items will not run; one running now still finishes."""
        now = self.clock()
        with self._tx() as conn:
            job = self._read(conn, job_id, owner, items=False)
            if job is None:
                return None
            if job.status not in FINAL:
                conn.execute("UPDATE items SET state = ?, request = NULL "
                             "WHERE job_id = ? AND state = ?", (CANCELLED, job_id, QUEUED))
                conn.execute("UPDATE jobs SET status = ?, finished_at = ?, expires_at = ? "
                             "WHERE id = ?", (CANCELLED, now, now + self.retention_s, job_id))
        return self.get(job_id, owner)

    def _read(self, conn: sqlite3.Connection, job_id: str, owner: str | None, *,
              items: bool) -> JobState | None:
        row = conn.execute("SELECT * FROM jobs WHERE id = ? AND owner IS ?",
                           (job_id, owner)).fetchone()
        if row is None or (row["expires_at"] is not None and row["expires_at"] <= self.clock()):
            return None
        states = [ItemState(r["idx"], r["kind"], r["state"], r["ref"],
                            json.loads(r["result"]) if r["result"] else None,
                            json.loads(r["error"]) if r["error"] else None)
                  for r in conn.execute("SELECT idx, kind, ref, state, result, error FROM items "
                                        "WHERE job_id = ? ORDER BY idx", (job_id,))]
        status = row["status"]
        if status not in FINAL:
            status = live_status([s.state for s in states])
        done, failed = counts([s.state for s in states])
        return JobState(row["id"], status, row["total"], row["created_at"], row["finished_at"],
                        row["expires_at"], row["webhook"], tuple(states) if items else (),
                        done, failed)

    # --- the workers' side ----------------------------------------------------------------

    def claim(self) -> Claimed | None:
        """The oldest queued item, now marked running (one transaction: no two workers get
        the same item)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT i.job_id, i.idx, i.kind, i.request FROM items i "
                # A literal, not a parameter: lets SQLite use the partial index items_open.
                "JOIN jobs j ON j.id = i.job_id WHERE i.state = 'queued' "
                "ORDER BY j.created_at, j.rowid, i.idx LIMIT 1").fetchone()
            if row is None:
                return None
            conn.execute("UPDATE items SET state = ?, attempts = attempts + 1 "
                         "WHERE job_id = ? AND idx = ?", (RUNNING, row["job_id"], row["idx"]))
        return Claimed(row["job_id"], row["idx"], row["kind"], json.loads(row["request"]))

    def release(self, job_id: str, index: int) -> None:
        """Put a claimed item back, as if it had never been claimed (the server is busy,
        loading or shutting down: not the item's fault)."""
        with self._tx() as conn:
            conn.execute("UPDATE items SET state = ?, attempts = attempts - 1 "
                         "WHERE job_id = ? AND idx = ? AND state = ?",
                         (QUEUED, job_id, index, RUNNING))

    def finish_item(self, job_id: str, index: int, *, result: Mapping[str, Any] | None = None,
                    error: Mapping[str, Any] | None = None) -> str | None:
        """Record an item's result or error, once. Returns the job's final status when this
        was its last item (the caller then calls the webhook), else None."""
        now = self.clock()
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE items SET state = ?, result = ?, error = ?, request = NULL "
                "WHERE job_id = ? AND idx = ? AND state = ?",
                (ITEM_ERROR if error is not None else ITEM_DONE,
                 json.dumps(result) if result is not None else None,
                 json.dumps(error) if error is not None else None, job_id, index, RUNNING))
            if cur.rowcount != 1:
                return None
            return self._finish_job_if_complete(conn, job_id, now)

    def _finish_job_if_complete(self, conn: sqlite3.Connection, job_id: str,
                                now: float) -> str | None:
        job = conn.execute("SELECT status, webhook FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if job is None or job["status"] in FINAL:
            return None
        states = [r[0] for r in conn.execute("SELECT state FROM items WHERE job_id = ?",
                                             (job_id,))]
        status = final_status(states)
        if status is None:
            return None
        conn.execute("UPDATE jobs SET status = ?, finished_at = ?, expires_at = ?, "
                     "webhook_state = CASE WHEN webhook IS NULL THEN NULL ELSE 'pending' END "
                     "WHERE id = ?", (status, now, now + self.retention_s, job_id))
        return status

    def resume(self, max_attempts: int) -> tuple[int, int]:
        """After a restart: items that were running go back to the queue, except those that
        were already tried ``max_attempts`` times (they may be what killed the process).
        Returns (requeued, given up)."""
        now = self.clock()
        with self._tx() as conn:
            crashed = [(r[0], r[1]) for r in conn.execute(
                "SELECT job_id, idx FROM items WHERE state = ? AND attempts >= ?",
                (RUNNING, max_attempts))]
            for job_id, idx in crashed:
                conn.execute("UPDATE items SET state = ?, error = ?, request = NULL "
                             "WHERE job_id = ? AND idx = ?",
                             (ITEM_ERROR, json.dumps(CRASHED), job_id, idx))
                self._finish_job_if_complete(conn, job_id, now)
            requeued = conn.execute("UPDATE items SET state = ? WHERE state = ?",
                                    (QUEUED, RUNNING)).rowcount
        return requeued, len(crashed)

    def check_writable(self) -> None:
        """Commit a write that changes nothing (the header's user_version rewritten as it
        is): it fails as a job's write would on a full disk or a read-only file."""
        with self._tx() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute(f"PRAGMA user_version = {version}")

    # --- housekeeping ---------------------------------------------------------------------

    def purge_expired(self) -> int:
        with self._tx() as conn:
            return conn.execute("DELETE FROM jobs WHERE expires_at <= ?",
                                (self.clock(),)).rowcount

    def pending_webhooks(self) -> list[tuple[str, str]]:
        """(job id, webhook URL) of each webhook owed, the earliest finished first."""
        with closing(self._connect()) as conn:
            return [(r[0], r[1]) for r in conn.execute(
                "SELECT id, webhook FROM jobs WHERE webhook_state = 'pending' "
                "ORDER BY finished_at")]

    def webhook_of(self, job_id: str) -> tuple[str | None, str | None]:
        """(url, owner) of a job."""
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT webhook, owner FROM jobs WHERE id = ?",
                               (job_id,)).fetchone()
        return (row["webhook"], row["owner"]) if row else (None, None)

    def mark_webhook(self, job_id: str, state: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE jobs SET webhook_state = ? WHERE id = ?", (state, job_id))
