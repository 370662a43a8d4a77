"""Pure parts of the posting import: reading ahead in a thread, checking one row."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.payments.prefetch import prefetched
from server.payments.rows import check

SH = ZoneInfo("Asia/Shanghai")


def test_read_ahead_keeps_the_order_and_passes_errors_on():
    with prefetched(iter(range(10))) as items:
        assert list(items) == list(range(10))

    def failing():
        yield 1
        raise ValueError("bad header")

    with pytest.raises(ValueError, match="bad header"), prefetched(failing()) as items:
        list(items)


def test_leaving_early_stops_the_reader():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    with prefetched(endless(), depth=2) as items:
        assert next(items) == 0
    count = len(produced)
    assert count <= 5 and len(produced) == count  # the reader stopped and was joined


def test_a_local_time_is_the_operations_and_the_same_content_has_the_same_digest():
    a = check(2, {"txn_id": "T1", "account_id": "A1", "amount": "500",
                  "paid_at": "2026-03-02 10:00:00"}, SH)
    b = check(3, {"txn_id": "T1", "account_id": "A1", "amount": 500.0,
                  "paid_at": "2026-03-02T02:00:00+00:00"}, SH)
    assert not a.errors and a.paid_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert a.digest == b.digest
    c = check(4, {"txn_id": "T1", "account_id": "A1", "amount": "500.01",
                  "paid_at": "2026-03-02 10:00:00"}, SH)
    assert c.digest != a.digest


def test_every_bad_field_is_named():
    row = check(2, {"txn_id": "", "kind": "refund", "amount": "1.234", "paid_at": "soon",
                    "currency": "yuan", "channel": "pigeon"}, SH)
    assert set(row.errors) == {"txn_id", "kind", "amount", "paid_at", "currency", "channel",
                               "account_id"}
    reversal = check(3, {"txn_id": "R1", "kind": "reversal", "amount": "5",
                         "paid_at": "2026-03-02"}, SH)
    assert set(reversal.errors) == {"reverses_txn_id", "reason"}
    stray = check(4, {"txn_id": "P1", "account_id": "A", "amount": "5", "paid_at": "2026-03-02",
                      "reason": "nsf"}, SH)
    assert set(stray.errors) == {"kind"}
