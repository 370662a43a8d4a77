"""Per-connection settings the database layer relies on."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # Take transaction control from pysqlite so that _sqlite_begin decides how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless asked; WAL lets readers run beside the one writer.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes fails (or, worse, acts on a stale read)
    # when another writer got in between; taking the write lock up front serialises use cases,
    # which is what an embedded single-file database can offer.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app) -> None:
    """Install connection and session hooks once per process."""
    from server.audit import service as audit
    from server.db import feed

    if not event.contains(Engine, "connect", _sqlite_connect):
        event.listen(Engine, "connect", _sqlite_connect)
        event.listen(Engine, "begin", _sqlite_begin)
    feed.install()
    audit.install(app.config["AUDIT_HMAC_KEY"].encode())
