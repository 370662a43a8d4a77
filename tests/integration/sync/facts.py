"""Builders of pushed fact rows, as a WatermelonDB device would send them."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

_n = itertools.count(1)
# A month ahead whatever the zone: a promise is due within a year of the day it was made.
DUE = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


def now_ms() -> int:
    return int(time.time() * 1000)


def check_in(visit_id: str, **kw) -> dict:
    return {"id": kw.pop("id", f"ci-{next(_n)}"), "visit_id": visit_id, "kind": "in",
            "lat": 31.2304, "lng": 121.4737, "accuracy_m": 8.5,
            "recorded_at": kw.pop("recorded_at", now_ms()), "_status": "created",
            "_changed": "", **kw}


def outcome(visit_id: str, code="NOT_HOME", **kw) -> dict:
    return {"id": kw.pop("id", f"vo-{next(_n)}"), "visit_id": visit_id, "code": code,
            "discussed_debt": False, "recording_made": False, "note": None,
            "recorded_at": kw.pop("recorded_at", now_ms()), **kw}


def note(visit_id: str, body="door closed", **kw) -> dict:
    return {"id": kw.pop("id", f"vn-{next(_n)}"), "visit_id": visit_id, "body": body,
            "recorded_at": kw.pop("recorded_at", now_ms()), **kw}


def promise(visit_id: str, case_id: str, account_id: str, amount="500.00", **kw) -> dict:
    return {"id": kw.pop("id", f"pp-{next(_n)}"), "visit_id": visit_id, "case_id": case_id,
            "account_id": account_id, "amount": amount, "currency": "CNY",
            "due_on": DUE, "recorded_at": kw.pop("recorded_at", now_ms()), **kw}
