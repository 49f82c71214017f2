"""A throwaway PostgreSQL cluster for the tests: made by initdb in a temporary folder, run by
an unprivileged user (``nobody`` when the tests run as root: postgres refuses root), on a
free loopback port with trust authentication for loopback only, and its socket in that
folder. :meth:`PostgresCluster.stop` ends its whole process group and the folder goes with
:meth:`PostgresCluster.remove`; the fixtures call both even when a test fails."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 60


def postgres_bindir() -> Path | None:
    """The newest Debian PostgreSQL's programs (/usr/lib/postgresql/N/bin), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="ringkas-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.sockets.mkdir()
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.root / "postgres.log"
        # As root, the server runs as nobody, which must own what it writes.
        self._as: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in (self.root, self.sockets):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            self._as = ["runuser", "-u", "nobody", "--"]
        subprocess.run([*self._as, str(bindir / "initdb"), "-D", str(self.data), "-U",
                        "ringkas", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"],
                       check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://ringkas@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        log = self.log.open("ab")
        try:
            self.proc = subprocess.Popen(
                [*self._as, str(self.bindir / "postgres"), "-D", str(self.data),
                 "-k", str(self.sockets), "-h", "127.0.0.1", "-p", str(self.port),
                 # a test's database: nothing needs to survive a crash of the machine
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"postgres did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def answers(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.url(), connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def stop(self) -> None:
        """A fast shutdown (SIGINT: clients cut off), then SIGKILL to the process group of
        whatever is left after 20 s."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGINT)
                proc.wait(20)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
