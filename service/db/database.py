"""One SQL database for the state every process of a deployment shares, on SQLite or
PostgreSQL, through SQLAlchemy Core.

Why SQLAlchemy Core (and psycopg 3 for PostgreSQL): one expression language writes each
query once for both dialects; its pool keeps connections open across requests (and checks a
PostgreSQL one before lending it, so the service recovers from a database restart without
one of its own); and where the dialects differ in syntax, not meaning, it has both: an
``INSERT … ON CONFLICT`` per dialect (:meth:`Database.insert`) and ``RETURNING`` on both
(SQLite since 3.35), so a check and the write it decides are one statement.

A :class:`Database` is built from a URL (:meth:`Database.from_settings`); nothing connects
until it is used, and nothing here does any work at import. Each store names its own
component in the ``schema_versions`` table and hands :meth:`Database.migrate` its steps
(service/db/schema.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine, make_url

from service.errors import ConfigError, DatabaseUnavailable, RingkasError

if TYPE_CHECKING:
    from service.config import Settings

log = logging.getLogger(__name__)

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
RETRY_AFTER_S = 5  # what a 503 asks a client to wait while the database does not answer
# SQLite: how long a writer waits for another's write lock before it gives up (busy).
SQLITE_BUSY_TIMEOUT_S = 10
# PostgreSQL: how long opening a connection may take before the database counts as down.
CONNECT_TIMEOUT_S = 5


class DatabaseError(RingkasError):
    """A database that cannot be used as it is (not a passing outage): its schema is newer
    than this ringkas, its file cannot be created."""

    default_code = "database_error"


def database_url(settings: Settings) -> str:
    """RINGKAS_DATABASE_URL, or by default SQLite in the key database's file
    (RINGKAS_KEYS_DB), so a deployment from before the setting keeps its keys and quotas."""
    return settings.database_url or sqlite_url(settings.auth.keys_db)


def sqlite_url(path: str | os.PathLike[str]) -> str:
    return f"sqlite:///{os.path.expanduser(os.fspath(path))}"


def parse_url(url: str) -> URL:
    """The URL as the engine takes it: ``sqlite:///PATH`` (a file, ``~`` expanded) or
    ``postgresql://…`` (``postgres://`` too), both on the drivers ringkas ships with."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        parsed = None
    # (the URL's own words: asking SQLAlchemy would load a dialect it may not have)
    backend, _, driver = parsed.drivername.partition("+") if parsed is not None else ("", "", "")
    if parsed is not None and backend == SQLITE and driver in ("pysqlite", ""):
        path = parsed.database or ""
        if not path or path == ":memory:" or path.startswith("file:"):
            raise ConfigError("RINGKAS_DATABASE_URL: an SQLite database is a file, "
                              "sqlite:///PATH (an in-memory one would not be shared)",
                              code="invalid_database_url")
        return parsed.set(drivername="sqlite+pysqlite", database=os.path.expanduser(path))
    if parsed is not None and backend in (POSTGRESQL, "postgres") and driver in ("psycopg", ""):
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigError("RINGKAS_DATABASE_URL must be sqlite:///PATH or "
                      "postgresql://USER:PASSWORD@HOST:PORT/DBNAME, got "
                      f"{_hidden(url)!r}", code="invalid_database_url")


def _hidden(url: str) -> str:
    """A URL fit for a message: its password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):
        return url.split("@")[-1]


class Database:
    """An engine on one database, with the transactions the stores use.

    :meth:`read` and :meth:`write` lend a connection inside a transaction, committed when
    the block ends; on SQLite a write transaction takes the write lock at its start (``BEGIN
    IMMEDIATE``), so that what it reads stays true until it commits, for every process on
    the file. A database that does not answer raises :class:`DatabaseUnavailable` (503 with
    Retry-After); the next call tries again.
    """

    def __init__(self, url: str | URL, *, pool_size: int = 5, max_overflow: int = 10,
                 pool_timeout_s: float = 10.0) -> None:
        self.url = parse_url(url) if isinstance(url, str) else url
        self.dialect = self.url.get_backend_name()
        self.path: Path | None = None  # the file, on SQLite
        options: dict[str, Any] = {"pool_size": pool_size, "max_overflow": max_overflow,
                                   "pool_timeout": pool_timeout_s}
        if self.dialect == SQLITE:
            self.path = Path(self.url.database or "")
            _create_file(self.path)
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
        else:
            # pre-ping: a connection the database dropped (a restart, a failover) is
            # replaced before use, not handed to a request to fail; recycle: none is kept
            # longer than a proxy or firewall would keep it idle.
            options.update(pool_pre_ping=True, pool_recycle=1800, connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S, "application_name": "ringkas"})
        _quiet_sqlalchemy()
        # hide_parameters: a query's values (a key's hash) are in no log line or error.
        self.engine: Engine = sa.create_engine(self.url, hide_parameters=True, **options)
        _watch(self.engine, sqlite=self.dialect == SQLITE)
        self._writer = self.engine.execution_options(ringkas_write=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(database_url(settings))

    @property
    def where(self) -> str:
        """The database for a person: the file, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Database({self.where!r})"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._unavailable(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self._unavailable(), self._writer.begin() as conn:
            yield conn

    def insert(self, table: sa.Table) -> Any:
        """``INSERT`` in this database's dialect, with ``on_conflict_do_nothing`` and
        ``on_conflict_do_update`` (the same arguments on both)."""
        if self.dialect == POSTGRESQL:
            from sqlalchemy.dialects.postgresql import insert as pg_insert
            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        return sqlite_insert(table)

    def ping(self) -> None:
        """Raise :class:`DatabaseUnavailable` unless the database answers a query now."""
        with self.read() as conn:
            conn.execute(sa.text("SELECT 1"))

    def migrate(self, component: str, steps: Sequence[Callable[[Connection], None]]) -> int:
        """Bring ``component``'s tables to ``len(steps)`` (service/db/schema.py)."""
        from service.db.schema import migrate

        return migrate(self, component, steps)

    def dispose(self) -> None:
        """Close the pooled connections (a later call opens new ones)."""
        self.engine.dispose()

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        """The driver's errors of a database that does not answer (or is busy past its
        timeout) as one 503; any other error is a bug, or a constraint a caller handles."""
        try:
            yield
        except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as error:
            orig = getattr(error, "orig", None) or error
            reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
            log.warning("the database %s is unavailable: %s: %s", self.where,
                        type(orig).__name__, reason)
            raise DatabaseUnavailable(f"the database is unavailable ({type(orig).__name__}); "
                                      f"retry in {RETRY_AFTER_S} s", RETRY_AFTER_S) from None
        except exc.DBAPIError as error:
            if error.connection_invalidated:
                raise DatabaseUnavailable("the database connection was lost; retry in "
                                          f"{RETRY_AFTER_S} s", RETRY_AFTER_S) from None
            raise


def _quiet_sqlalchemy() -> None:
    """SQLAlchemy logs every statement at INFO, where a server's log is: its loggers say
    warnings only, unless something set their level already."""
    for name in ("sqlalchemy.engine", "sqlalchemy.pool"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def _create_file(path: Path) -> None:
    """An SQLite file's folder (0700) and the file itself (0600: nobody else's business),
    before the first connection would create them with the umask's modes."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise DatabaseError(f"cannot create the database {path}: {error}") from None


def _watch(engine: Engine, *, sqlite: bool) -> None:
    """The engine's connection hooks: a connection opened before a fork is never used by
    the child (gunicorn, a test's subprocess); on SQLite, WAL mode and transactions begun
    by us, not by the driver."""

    @event.listens_for(engine, "connect")
    def connected(dbapi_conn: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()
        if sqlite:
            # The driver's own transaction handling would begin them late (at the first
            # write) and never IMMEDIATE: it is off, and begin() below says BEGIN.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            finally:
                cursor.close()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise exc.DisconnectionError("a connection of the parent process; opening another")

    if sqlite:
        @event.listens_for(engine, "begin")
        def begun(conn: Connection) -> None:
            write = conn.get_execution_options().get("ringkas_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
