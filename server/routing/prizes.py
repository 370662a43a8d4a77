"""What an optional visit is worth to the solver, in metres of detour (docs/routing.md)."""

from __future__ import annotations

import re
from decimal import Decimal

BASE_M = 5_000  # any visit is worth a 5 km detour
PER_BUCKET_M = 2_000  # M1 = 1 … capped at M6
MAX_BUCKET = 6
PER_OUTSTANDING_UNIT_M = Decimal("0.1")  # 100 m per 1,000 outstanding (any currency)
MAX_OUTSTANDING_M = 20_000
PER_BROKEN_PROMISE_M = 3_000  # capped at 3 broken promises
MAX_BROKEN = 3
PER_PRIORITY_M = 1_000  # the dispatcher's visit priority, 0 … 10
MAX_PRIORITY = 10


def bucket_level(bucket: str | None) -> int:
    """The delinquency level of a bucket code: M0 -> 0, M2 -> 2, 'M6+' -> 6 (capped)."""
    match = re.search(r"\d+", bucket or "")
    return min(int(match.group()), MAX_BUCKET) if match else 0


def visit_prize(priority: int, bucket: str | None, outstanding: Decimal, broken: int) -> int:
    """The prize of an optional visit: base + bucket + outstanding + broken promises + priority."""
    owed = min(int(max(outstanding, Decimal(0)) * PER_OUTSTANDING_UNIT_M), MAX_OUTSTANDING_M)
    return (
        BASE_M
        + PER_BUCKET_M * bucket_level(bucket)
        + owed
        + PER_BROKEN_PROMISE_M * min(max(broken, 0), MAX_BROKEN)
        + PER_PRIORITY_M * min(max(priority, 0), MAX_PRIORITY)
    )
