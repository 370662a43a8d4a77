"""The promise rules as plain functions: the deadline, what counts as paid, and the decision.

The monitor (monitor.py) runs the same rules set-based in SQL over every active promise; a test
generates promises and payments and checks that both decide alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from server.clock import local_midnight_utc

KEPT, BROKEN, PROGRESS = "kept", "broken", "progress"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Paid:
    """One payment on the promise's account, as the rules read it."""

    amount: Decimal
    paid_at: datetime
    currency: str = "CNY"
    voided: bool = False
    flagged: bool = False


def deadline(due_on: date, grace_days: int, tz: str) -> datetime:
    """The end of local day `due_on + grace_days` in the debtor's zone, as a UTC instant."""
    return local_midnight_utc(due_on + timedelta(days=grace_days + 1), tz)


def threshold(amount: Decimal, tolerance: Decimal) -> Decimal:
    """What must be paid to keep a promise of `amount`: short by at most the tolerance."""
    return (amount * (1 - tolerance)).quantize(CENT, rounding=ROUND_HALF_UP)


def paid_towards(payments: Iterable[Paid], currency: str, made_at: datetime,
                 due_by: datetime) -> Decimal:
    """The money that counts: same currency, not voided or flagged, paid from the moment the
    promise was made until (not including) its deadline."""
    return sum((p.amount for p in payments
                if p.currency == currency and not p.voided and not p.flagged
                and made_at <= p.paid_at < due_by), Decimal("0.00"))


def decide(paid: Decimal, needed: Decimal, due_by: datetime, now: datetime,
           paid_before: Decimal) -> str | None:
    """Kept once enough is paid; broken once the deadline passed short; progress when more was
    paid but not enough yet; None when nothing changes."""
    if paid >= needed:
        return KEPT
    if due_by <= now:
        return BROKEN
    return PROGRESS if paid != paid_before else None
