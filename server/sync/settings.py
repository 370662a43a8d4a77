"""Protocol constants: schema versions devices may speak, limits, retention of closed visits."""

from __future__ import annotations

# Bump SYNC_SCHEMA_VERSION when the tables/columns sent to devices change; raise
# MIN_SCHEMA_VERSION when an older app can no longer sync safely (it is told to update).
SYNC_SCHEMA_VERSION = 1
MIN_SCHEMA_VERSION = 1

MAX_PUSH_ROWS = 5_000  # rows (created + updated + deleted, all tables) in one push
MAX_PUSH_BYTES = 16 * 1024 * 1024  # decompressed body
MAX_PULL_LIMIT = 50_000
CLOSED_VISIT_DAYS = 7  # a completed/cancelled/missed visit stays on the device this long
JS_SAFE_MAX = 2**53 - 1
