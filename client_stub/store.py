"""The device's local state in one SQLite file: a replica of pulled tables, the outbox, meta.

Replica tables are created from the columns of the rows the server sends (a new column is
added when it first appears), so the stub follows the server's schema without a copy of it.
Values are stored as they travel (epoch ms, "YYYY-MM-DD", decimal strings, JSON strings).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_RESERVED = frozenset({"meta", "outbox", "batches", "sqlite_sequence"})

PENDING, SENDING, ACKED, REJECTED = "pending", "sending", "acked", "rejected"

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    table_name TEXT NOT NULL,
    row TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    batch TEXT,
    blob_path TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status, seq);
CREATE TABLE IF NOT EXISTS batches (
    key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    last_pulled_at INTEGER,
    created_at INTEGER NOT NULL
);
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def _ident(name: str) -> str:
    if not _NAME.match(name) or name in _RESERVED:
        raise ValueError(f"refusing table/column name {name!r}")
    return f'"{name}"'


def _cell(value):
    """SQLite holds str/int/float/None; anything else (a JSON object) is kept as JSON text."""
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class LocalStore:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)  # explicit transactions
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_DDL)

    def close(self) -> None:
        self.db.close()

    # --- meta -------------------------------------------------------------------------------
    def get(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set(self, **values) -> None:
        with self.transaction():
            for key, value in values.items():
                self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                                "DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    def transaction(self):
        return _Transaction(self.db)

    # --- replica ----------------------------------------------------------------------------
    def tables(self) -> list[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return sorted(r["name"] for r in rows if r["name"] not in _RESERVED)

    def columns(self, table: str) -> list[str]:
        return [r["name"] for r in self.db.execute(f"PRAGMA table_info({_ident(table)})")]

    def _ensure_table(self, table: str, columns: Iterable[str]) -> None:
        have = self.columns(table)
        if not have:
            self.db.execute(f"CREATE TABLE {_ident(table)} (id TEXT PRIMARY KEY)")
            have = ["id"]
        for column in columns:
            if column not in have:
                self.db.execute(f"ALTER TABLE {_ident(table)} ADD COLUMN {_ident(column)}")
                have.append(column)

    def apply_changes(self, changes: dict) -> dict:
        """Apply one pull answer's changes (created/updated = upsert, deleted = drop).

        Returns counts {"upserted": n, "deleted": n}. Must run inside a transaction.
        """
        upserted = deleted = 0
        for table, parts in changes.items():
            rows = list(parts.get("created") or []) + list(parts.get("updated") or [])
            columns = sorted({c for row in rows for c in row} - {"_status", "_changed"})
            self._ensure_table(table, columns)
            for row in rows:
                names = [c for c in columns if c in row]
                sets = ", ".join(f"{_ident(c)} = excluded.{_ident(c)}" for c in names
                                 if c != "id")
                sql = (f"INSERT INTO {_ident(table)} ({', '.join(map(_ident, names))}) "
                       f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT (id) "
                       + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING"))
                self.db.execute(sql, [_cell(row[c]) for c in names])
                upserted += 1
            for row_id in parts.get("deleted") or []:
                deleted += self.db.execute(f"DELETE FROM {_ident(table)} WHERE id = ?",
                                           (row_id,)).rowcount
        return {"upserted": upserted, "deleted": deleted}

    def rows(self, table: str, **where) -> list[dict]:
        if table not in self.tables():
            return []
        sql = f"SELECT * FROM {_ident(table)}"
        if where:
            sql += " WHERE " + " AND ".join(f"{_ident(k)} = ?" for k in where)
        return [dict(r) for r in self.db.execute(sql, list(where.values()))]

    def row(self, table: str, row_id: str) -> dict | None:
        found = self.rows(table, id=row_id)
        return found[0] if found else None

    def reset_replica(self) -> None:
        with self.transaction():
            for table in self.tables():
                self.db.execute(f"DROP TABLE {_ident(table)}")
            self.db.execute("DELETE FROM meta WHERE key = 'last_pulled_at'")

    # --- outbox -----------------------------------------------------------------------------
    def add_fact(self, table: str, row: dict, blob_path: str | None = None) -> dict:
        _ident(table)
        stamp = now_ms()
        self.db.execute("INSERT INTO outbox (id, table_name, row, status, blob_path, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (row["id"], table, json.dumps(row, ensure_ascii=False), PENDING,
                         blob_path, stamp, stamp))
        return row

    def outbox(self, *statuses: str) -> list[dict]:
        sql = "SELECT * FROM outbox"
        if statuses:
            sql += f" WHERE status IN ({', '.join('?' for _ in statuses)})"
        rows = self.db.execute(sql + " ORDER BY seq", statuses).fetchall()
        return [{**dict(r), "row": json.loads(r["row"])} for r in rows]

    def counts(self) -> dict:
        found = {s: 0 for s in (PENDING, SENDING, ACKED, REJECTED)}
        for r in self.db.execute("SELECT status, count(*) AS n FROM outbox GROUP BY status"):
            found[r["status"]] = r["n"]
        return found

    # A batch is the exact body of one push and its Idempotency-Key, stored before it is sent,
    # so a retry (even after the process died) sends the same key, the same ids, the same body.
    def open_batch(self) -> dict | None:
        row = self.db.execute("SELECT * FROM batches ORDER BY created_at LIMIT 1").fetchone()
        return dict(row) if row else None

    def make_batch(self, key: str | Callable[[], str], last_pulled_at: int | None,
                   limit: int) -> dict | None:
        with self.transaction():
            pending = self.db.execute("SELECT id, table_name, row FROM outbox WHERE status = ? "
                                      "ORDER BY seq LIMIT ?", (PENDING, limit)).fetchall()
            if not pending:
                return None
            key = key() if callable(key) else key
            changes: dict = {}
            for r in pending:
                part = changes.setdefault(r["table_name"],
                                          {"created": [], "updated": [], "deleted": []})
                part["created"].append(json.loads(r["row"]))
            body = {"changes": changes}
            if last_pulled_at is not None:
                body["lastPulledAt"] = last_pulled_at
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            self.db.execute("INSERT INTO batches (key, body, last_pulled_at, created_at) "
                            "VALUES (?, ?, ?, ?)", (key, text, last_pulled_at, now_ms()))
            self.db.executemany("UPDATE outbox SET status = ?, batch = ?, updated_at = ? "
                                "WHERE id = ?",
                                [(SENDING, key, now_ms(), r["id"]) for r in pending])
        return self.open_batch()

    def batch_blobs(self, key: str) -> list[tuple[str, str]]:
        """(file path, visit id) of the batch's attachments: bytes are uploaded per visit."""
        return [(r["blob_path"], json.loads(r["row"]).get("visit_id")) for r in self.db.execute(
            "SELECT blob_path, row FROM outbox WHERE batch = ? AND blob_path IS NOT NULL",
            (key,))]

    def close_batch(self, key: str, rejected: dict) -> dict:
        """The server answered the batch: mark rows acknowledged or rejected."""
        bad = {(table, row_id) for table, ids in (rejected or {}).items() for row_id in ids}
        counts = {ACKED: 0, REJECTED: 0}
        with self.transaction():
            rows = self.db.execute("SELECT id, table_name FROM outbox WHERE batch = ?",
                                   (key,)).fetchall()
            for r in rows:
                status = REJECTED if (r["table_name"], r["id"]) in bad else ACKED
                counts[status] += 1
                self.db.execute("UPDATE outbox SET status = ?, updated_at = ? WHERE id = ?",
                                (status, now_ms(), r["id"]))
            self.db.execute("DELETE FROM batches WHERE key = ?", (key,))
        return counts

    def abandon_batch(self, key: str) -> None:
        """The batch can never be sent as it is (e.g. 409): its rows go back to pending."""
        with self.transaction():
            self.db.execute("UPDATE outbox SET status = ?, batch = NULL, updated_at = ? "
                            "WHERE batch = ?", (PENDING, now_ms(), key))
            self.db.execute("DELETE FROM batches WHERE key = ?", (key,))


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.nested = self.db.in_transaction
        if not self.nested:
            self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if self.nested:
            return False
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
