"""Protocol constants: schema versions devices may speak, limits, retention of closed visits."""
# ruff: noqa: E501 (the schema version line names what each version brought, whatever its length)

from __future__ import annotations

# Bump SYNC_SCHEMA_VERSION when the tables/columns sent to devices change; raise
# MIN_SCHEMA_VERSION when an older app can no longer sync safely (it is told to update).
SYNC_SCHEMA_VERSION = 3  # 3: selection_scores (reasons on the phone) and offer_requests / payment_offers
MIN_SCHEMA_VERSION = 1

MAX_PUSH_ROWS = 5_000  # rows (created + updated + deleted, all tables) in one push
MAX_PUSH_BYTES = 16 * 1024 * 1024  # decompressed body
MAX_PULL_LIMIT = 50_000
CLOSED_VISIT_DAYS = 7  # a completed/cancelled/missed visit stays on the device this long
JS_SAFE_MAX = 2**53 - 1
# A phone's clock may be this far off the server's and still be believed (X-Device-Time);
# beyond it the header is ignored and reported. Facts store the offset in a 32-bit column.
MAX_CLOCK_OFFSET_MS = 20 * 24 * 3600 * 1000
# A device time (corrected by the clock offset) may be this far ahead of the server's clock, or
# this far before its visit was created, before its row is rejected.
DEVICE_TIME_TOLERANCE_MS = 10 * 60 * 1000
MAX_IDEMPOTENCY_KEY = 128
