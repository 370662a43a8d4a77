"""The monitor's set-based SQL and the plain promise rules decide every generated case alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.compliance.engine import seeded_profile
from server.compliance.profile_store import seed_profiles
from server.models import Address, PaymentPromise
from server.promises import rules
from server.promises.monitor import run_promise_monitor
from tests.support import factories as f

MADE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
DUE = date(2026, 3, 10)
ZONES = ("Asia/Shanghai", "Asia/Urumqi", "America/New_York", "Europe/London")
CN = seeded_profile("CN")

# Shares of the promise in per mille (the threshold's neighbourhood often) and hours from the
# deadline (its last hour and first instant often), so the boundaries are what gets tested.
shares = st.one_of(st.sampled_from([0, 500, 989, 990, 991, 995, 999, 1000, 1001]),
                   st.integers(0, 1200))
hours = st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-14 * 24, 2 * 24))
payments = st.lists(st.tuples(shares, hours, st.booleans()), max_size=4)


def _case(session, tz: str):
    case, visit = f.case_with_visit(session)
    session.get(Address, visit.address_id).time_zone = tz
    session.flush()
    return case


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(amount=st.integers(1, 2_000).map(Decimal), tz=st.sampled_from(ZONES), paid=payments,
       now_h=hours)
def test_the_sql_monitor_decides_as_the_plain_rules_do(session, amount, tz, paid, now_h):
    # Whole-unit promises: a threshold of an odd half cent is where SQLite's float arithmetic
    # could round otherwise than the exact rule (PostgreSQL's numeric agrees either way).
    seed_profiles(session)
    case = _case(session, tz)
    promise = f.promise(session, case, amount, DUE, MADE)
    due_by = rules.deadline(DUE, CN.promise_grace_days, tz)
    rows = []
    for share, hours_before, voided in paid:
        value = max(Decimal("0.01"), (amount * share / 1000).quantize(rules.CENT))
        at = due_by + timedelta(hours=hours_before)
        f.payment(session, case, value, at, **({"voided_at": at} if voided else {}))
        rows.append(rules.Paid(value, at, voided=voided))
    now = due_by + timedelta(hours=now_h)

    run_promise_monitor(session, now=now, budget_s=0)

    counted = rules.paid_towards(rows, "CNY", MADE, due_by)
    needed = rules.threshold(amount, CN.promise_amount_tolerance)
    decision = rules.decide(counted, needed, due_by, now, Decimal("0"))
    session.expire_all()
    row = session.get(PaymentPromise, promise.id)
    expected = {rules.KEPT: "kept", rules.BROKEN: "broken"}.get(decision, "active")
    assert (row.status, Decimal(row.paid_amount or 0)) == (
        expected, counted if decision else Decimal(row.paid_amount or 0))
