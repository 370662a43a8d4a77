"""Builders for compliance tests: local wall times to UTC, and facts with passing defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.compliance.engine import (
    AddressFacts,
    CollectorFacts,
    Consent,
    ContactAttempt,
    DebtorFacts,
    VisitPlan,
)

SHANGHAI = "Asia/Shanghai"
NEW_YORK = "America/New_York"
LONDON = "Europe/London"
KOLKATA = "Asia/Kolkata"
TWO_ZONES = (SHANGHAI, NEW_YORK)


def at(tz: str, y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0, fold: int = 0):
    """The UTC instant when the clock in `tz` shows the given wall time."""
    return datetime(y, m, d, h, mi, s, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


def debtor(**kw) -> DebtorFacts:
    return DebtorFacts(party_id=kw.pop("party_id", "P1"), **kw)


def address(tz: str, kind: str = "home") -> AddressFacts:
    return AddressFacts(address_id="A1", kind=kind, tz=tz)


def good_collector(cid: str, today: date = date(2025, 6, 1)) -> CollectorFacts:
    return CollectorFacts(
        collector_id=cid,
        certification_expires_on=today + timedelta(days=365),
        training_completed_on=today - timedelta(days=30),
        has_id_number=True,
    )


def plan(tz: str, day: date, hour: int = 10, hours: int = 2, collectors=("C1", "C2"), **kw):
    start = at(tz, day.year, day.month, day.day, hour)
    return VisitPlan(
        visit_id=kw.pop("visit_id", "V-new"),
        party_id="P1",
        debt_id=kw.pop("debt_id", "D1"),
        window_start_utc=start,
        window_end_utc=start + timedelta(hours=hours),
        collector_ids=tuple(collectors),
        **kw,
    )


def visit_attempt(tz: str, day: date, hour: int = 10, debt_id: str = "D1") -> ContactAttempt:
    return ContactAttempt("visit", at(tz, day.year, day.month, day.day, hour), "P1", debt_id)


def call_attempt(instant: datetime, connected: bool = False, **kw) -> ContactAttempt:
    return ContactAttempt(
        "call",
        instant,
        kw.pop("party_id", "P1"),
        kw.pop("debt_id", "D1"),
        kw.pop("contact_point_id", "N1"),
        connected,
        **kw,
    )


def consent(kind: str, given_at: datetime, **kw) -> Consent:
    return Consent(kind=kind, party_id=kw.pop("party_id", "P1"), given_at=given_at, **kw)
