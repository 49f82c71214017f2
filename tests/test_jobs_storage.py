"""The embedded jobs store on a data dir that fills up or turns read-only, then heals.

No tmpfs here: a full disk is SQLite refusing what would reach the disk (with SQLite's own
SQLITE_FULL) or the OS refusing a file (ENOSPC); a read-only dir is chmod, or, as root
(whom chmod does not stop), SQLite opening the database read-only, as it does there.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.api.runtime import services_of
from service.config import Settings
from service.engine import Engine
from service.errors import JobsStorageFull, JobsStorageUnavailable
from service.jobs import store as store_module
from service.jobs.model import Item
from service.jobs.store import JobStore, storage_fault
from service.runtime.local_jobs import LocalJobs
from tests.test_jobs import items_for, wait_final

FULL, READ_ONLY = "full", "read-only"
STORAGE = "jobs_storage_unavailable"
_REACHES_DISK = re.compile(r"\s*(COMMIT|PRAGMA\s+journal_mode)", re.IGNORECASE)


def sqlite_error(message: str, code: int, name: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode, exc.sqlite_errorname = code, name  # as SQLite's own carry them
    return exc


def disk_full() -> sqlite3.OperationalError:
    return sqlite_error("database or disk is full", 13, "SQLITE_FULL")


class _FullDisk(sqlite3.Connection):
    """A connection whose disk is full: reads work; what would reach the disk (a commit,
    the switch to WAL) fails, as SQLite fails it."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if _REACHES_DISK.match(sql):
            raise disk_full()
        return super().execute(sql, *args)

    def executescript(self, script: str) -> sqlite3.Cursor:
        raise disk_full()


class Disk:
    """What the jobs store sees as ``sqlite3``: the real module, on a disk that can fill up
    (``fault = FULL``) or turn read-only (``fault = READ_ONLY``) and heal (``None``)."""

    def __init__(self) -> None:
        self.fault: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(sqlite3, name)

    def connect(self, database: str | Path, **kwargs: Any) -> sqlite3.Connection:
        if self.fault == READ_ONLY:
            return sqlite3.connect(f"file:{quote(str(database))}?mode=ro", uri=True, **kwargs)
        if self.fault == FULL:
            return sqlite3.connect(database, factory=_FullDisk, **kwargs)
        return sqlite3.connect(database, **kwargs)


@pytest.fixture()
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    disk = Disk()
    monkeypatch.setattr(store_module, "sqlite3", disk)
    return disk


@pytest.fixture()
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    if path.exists():  # writable again, so that tmp_path can be cleaned up
        path.chmod(stat.S_IRWXU)


@pytest.fixture()
def make_app(settings: Settings, engines: Mapping[str, Engine],
             data_dir: Path) -> Iterator[Callable[[], Flask]]:
    apps: list[Flask] = []

    def make() -> Flask:
        app = create_app(settings.changed(data_dir=str(data_dir)), engines=engines)
        apps.append(app)
        return app

    yield make
    for app in apps:
        jobs(app).stop()


def jobs(app: Flask) -> LocalJobs:
    backend = services_of(app).jobs
    assert isinstance(backend, LocalJobs)
    return backend


def error_of(resp: Any) -> dict[str, Any]:
    body: dict[str, Any] = resp.get_json()["error"]
    return body


def eventually_ready(client: FlaskClient, timeout_s: float = 10) -> None:
    """/v1/ready says "ready" within ``timeout_s`` (a worker's write begun on the faulty
    disk may note the fault once more just after it healed)."""
    end = time.monotonic() + timeout_s
    while (status := client.get("/v1/ready").get_json()["status"]) != "ready":
        assert time.monotonic() < end, status
        time.sleep(0.05)


def read_only(data_dir: Path, disk: Disk) -> Callable[[], None]:
    """Make the data dir read-only; returns what makes it writable again."""
    if os.geteuid() != 0:
        data_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return lambda: data_dir.chmod(stat.S_IRWXU)
    disk.fault = READ_ONLY  # root writes through any mode bits

    def heal() -> None:
        disk.fault = None
    return heal


@pytest.mark.parametrize("seam", ["sqlite", "lock_file"])
def test_full_disk_at_first_open_releases_the_lock_and_recovers(
        make_app: Callable[[], Flask], disk: Disk, data_dir: Path,
        monkeypatch: pytest.MonkeyPatch, seam: str) -> None:
    """A failed write must release the store's lock: one held descriptor would answer 503
    ("in use by another ringkas process") for ever, even once there is room again."""
    app = make_app()
    client = app.test_client()
    jobs(app).retry_s = 3600  # no second try until the test says so
    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).name == "jobs.lock":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, flags, *args, **kwargs)

    if seam == "sqlite":
        disk.fault = FULL
    else:
        monkeypatch.setattr(os, "open", refusing_open)
    resp = client.post("/v1/jobs", json={"items": items_for(1)})
    monkeypatch.setattr(os, "open", real_open)

    # The lock is free: another taker (here, another open file description) gets it.
    fd = os.open(data_dir / "jobs.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    assert resp.status_code == 507, resp.get_json()
    assert error_of(resp)["code"] == STORAGE
    assert error_of(resp)["details"] == {"data_dir": str(data_dir), "errno": "ENOSPC"}

    ready = client.get("/v1/ready").get_json()
    assert ready["status"] == "degraded" and ready["jobs"]["code"] == STORAGE
    assert ready["jobs"]["details"]["errno"] == "ENOSPC"

    disk.fault = None  # room again, but the next try is not due yet
    resp = client.post("/v1/jobs", json={"items": items_for(1)})
    assert resp.status_code == 507 and error_of(resp)["code"] == STORAGE

    jobs(app).retry_s = 0  # now it is
    resp = client.post("/v1/jobs", json={"items": items_for(1)})
    assert resp.status_code == 202, resp.get_json()
    assert wait_final(client, resp.get_json()["id"], timeout_s=60)["status"] == "done"
    assert client.get("/v1/ready").get_json() == {"status": "ready", "load_seconds": None}


def test_read_only_data_dir_holding_the_store_starts_degraded_then_recovers(
        make_app: Callable[[], Flask], disk: Disk, data_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A store that cannot be written at start-up is a service fault with a reason, not a
    crash with sqlite3's traceback."""
    earlier = JobStore(data_dir / "jobs.sqlite3", retention_s=60)  # an earlier run's
    earlier.create("job_earlier", None, [Item(0, "translate", {"text": "Dia pergi."})], None)
    (data_dir / "jobs.lock").touch(mode=0o600)
    heal = read_only(data_dir, disk)
    caplog.set_level(logging.INFO, logger="service.jobs")

    app = make_app()  # no exception
    client = app.test_client()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None  # one line, no traceback
    assert str(data_dir) in errors[0].getMessage()

    resp = client.get("/v1/ready")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "degraded" and body["jobs"]["code"] == STORAGE
    assert body["jobs"]["details"]["data_dir"] == str(data_dir)
    assert body["jobs"]["details"]["errno"] in ("EACCES", "EROFS")
    resp = client.post("/v1/jobs", json={"items": items_for(1)})
    assert resp.status_code == 503 and error_of(resp)["code"] == STORAGE
    assert client.get("/v1/jobs/job_earlier").status_code == 503

    heal()
    jobs(app).retry_s = 0
    assert client.get("/v1/ready").get_json()["status"] == "ready"
    assert client.get("/v1/jobs/job_earlier").status_code == 200
    resp = client.post("/v1/jobs", json={"items": items_for(1)})
    assert resp.status_code == 202, resp.get_json()
    wait_final(client, "job_earlier", timeout_s=60)  # resumed, and run


def _retrying_client(make_app: Callable[[], Flask]) -> FlaskClient:
    """A client of an app whose data dir is tried again at once after a fault."""
    app = make_app()
    jobs(app).retry_s = 0.05
    return app.test_client()


def _submit_and_finish(client: FlaskClient, items: int, timeout_s: float) -> dict[str, Any]:
    resp = client.post("/v1/jobs", json={"items": items_for(items)})
    assert resp.status_code == 202, resp.get_json()
    return wait_final(client, resp.get_json()["id"], timeout_s=timeout_s)


@pytest.mark.parametrize(("fault", "status"), [(FULL, 507), (READ_ONLY, 503)])
def test_submit_on_a_full_or_read_only_disk_keeps_what_was_accepted(
        make_app: Callable[[], Flask], disk: Disk, fault: str, status: int) -> None:
    """A disk fault on submit is a 503 the client can retry; what was accepted before is
    kept and finishes."""
    client = _retrying_client(make_app)
    accepted = _submit_and_finish(client, 2, timeout_s=60)

    disk.fault = fault
    resp = client.post("/v1/jobs", json={"items": items_for(1)})
    assert resp.status_code == status, resp.get_json()
    assert error_of(resp)["code"] == STORAGE
    assert client.get(f"/v1/jobs/{accepted['id']}").get_json() == accepted
    assert client.get("/v1/ready").get_json()["status"] == "degraded"

    disk.fault = None
    resp = client.post("/v1/jobs", json={"items": items_for(1)})
    assert resp.status_code == 202, resp.get_json()
    eventually_ready(client)
    assert client.get(f"/v1/jobs/{accepted['id']}").get_json() == accepted


def test_a_result_the_full_disk_refuses_waits_and_is_recorded_once_there_is_room(
        make_app: Callable[[], Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused write must not kill the worker thread, or the job would never finish."""
    refusals = [2]
    real_finish = JobStore.finish_item

    def finish(self: JobStore, job_id: str, index: int, **kwargs: Any) -> str | None:
        if refusals[0]:
            refusals[0] -= 1
            raise disk_full()
        return real_finish(self, job_id, index, **kwargs)

    monkeypatch.setattr(JobStore, "finish_item", finish)
    client = _retrying_client(make_app)
    done = _submit_and_finish(client, 1, timeout_s=30)
    assert done["status"] == "done" and done["items"][0]["result"]
    assert refusals == [0]
    assert client.get("/v1/ready").get_json()["status"] == "ready"


def test_another_process_holding_the_dir_stays_jobs_unavailable(
        make_app: Callable[[], Flask], data_dir: Path) -> None:
    """Not a storage fault: 503 jobs_unavailable, and readiness fails with the same code
    (a second instance on one dir), never "degraded"."""
    data_dir.mkdir(parents=True)
    fd = os.open(data_dir / "jobs.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        client = make_app().test_client()
        resp = client.post("/v1/jobs", json={"items": items_for(1)})
        assert resp.status_code == 503 and error_of(resp)["code"] == "jobs_unavailable"
        ready = client.get("/v1/ready")
        assert ready.status_code == 503 and error_of(ready)["code"] == "jobs_unavailable"
    finally:
        os.close(fd)
    assert client.get("/v1/ready").get_json()["status"] == "ready"  # released: fine again


@pytest.mark.parametrize(("exc", "kind", "name"), [
    (OSError(errno.ENOSPC, "x"), JobsStorageFull, "ENOSPC"),
    (OSError(errno.EDQUOT, "x"), JobsStorageFull, "EDQUOT"),
    (OSError(errno.EROFS, "x"), JobsStorageUnavailable, "EROFS"),
    (PermissionError(errno.EACCES, "x"), JobsStorageUnavailable, "EACCES"),
    (disk_full(), JobsStorageFull, "ENOSPC"),
    (sqlite_error("disk I/O error", 10 | 3 << 8, "SQLITE_IOERR_WRITE"),
     JobsStorageUnavailable, "EIO"),
    (sqlite_error("attempt to write a readonly database", 8 | 6 << 8,
                  "SQLITE_READONLY_DIRECTORY"), JobsStorageUnavailable, "EACCES"),
])
def test_storage_faults_name_the_dir_and_errno(tmp_path: Path, exc: BaseException,
                                               kind: type, name: str) -> None:
    fault = storage_fault(exc, tmp_path)
    assert type(fault) is kind and fault.code == STORAGE
    assert fault.status == (507 if kind is JobsStorageFull else 503)
    assert fault.details == {"data_dir": str(tmp_path), "errno": name}


@pytest.mark.parametrize("exc", [
    OSError(errno.ENOENT, "x"), ValueError("x"),
    sqlite_error("database is locked", 5, "SQLITE_BUSY"),
    sqlite3.OperationalError("no such table: jobs"),
])
def test_other_errors_are_not_storage_faults(tmp_path: Path, exc: BaseException) -> None:
    assert storage_fault(exc, tmp_path) is None
