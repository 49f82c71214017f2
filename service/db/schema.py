"""Schema versions: each store (a component: ``keys``, …) keeps the version of its tables in
one row of ``schema_versions``, and brings them up to date with its list of steps.

A step takes a connection inside the migration's transaction and changes the tables from
its version to the next; step N (1-based) leaves the component at version N. Every step
still due runs in one transaction, with the row that records it, so an upgrade is whole or
not at all; processes starting at once take turns (PostgreSQL: a transaction-level advisory
lock; SQLite: the write lock), and the second finds nothing left to do. A database whose
version is newer than the steps this ringkas has is refused rather than written with an
older idea of its tables.

Steps are written once and never changed: a later change of a table is a new step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from service.db.database import Database

Step = Callable[[Connection], None]

metadata = sa.MetaData()
schema_versions = sa.Table(
    "schema_versions", metadata,
    sa.Column("component", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)

# PostgreSQL's advisory lock held while migrating: one key for every ringkas migration.
_LOCK_KEY = 0x72696E6B61  # "rinka"


def version(conn: Connection, component: str) -> int:
    """The component's version in this database; 0 when it has none recorded."""
    if not sa.inspect(conn).has_table(schema_versions.name):
        return 0
    found = conn.scalar(sa.select(schema_versions.c.version)
                        .where(schema_versions.c.component == component))
    return int(found or 0)


def migrate(db: Database, component: str, steps: Sequence[Step]) -> int:
    """Run the steps ``component`` has not had yet; returns its version (``len(steps)``)."""
    from service.db.database import POSTGRESQL, DatabaseError

    with db.write() as conn:
        if db.dialect == POSTGRESQL:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        schema_versions.create(conn, checkfirst=True)
        current = version(conn, component)
        if current > len(steps):
            raise DatabaseError(
                f"the database {db.where} holds version {current} of the {component} tables, "
                f"newer than this ringkas knows ({len(steps)}): run a newer ringkas",
                code="database_too_new")
        for number, step in enumerate(steps[current:], start=current + 1):
            step(conn)
            _record(db, conn, component, number)
    return len(steps)


def _record(db: Database, conn: Connection, component: str, number: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    stmt = db.insert(schema_versions).values(component=component, version=number,
                                             updated_at=now)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[schema_versions.c.component],
        set_={"version": number, "updated_at": now}))
