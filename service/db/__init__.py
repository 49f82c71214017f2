"""The SQL database a deployment's processes share (RINGKAS_DATABASE_URL): SQLite by
default, PostgreSQL for many replicas (service/db/database.py), with versioned schemas
(service/db/schema.py)."""

from service.db.database import Database, DatabaseError, database_url

__all__ = ["Database", "DatabaseError", "database_url"]
