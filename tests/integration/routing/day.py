"""A small field team's day in the database, and an independent check of stored plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.compliance.engine import allowed_windows, seeded_profile
from server.models import (
    Account,
    Address,
    Case,
    Party,
    Placement,
    RoutePlan,
    RouteStop,
    Team,
    User,
    Visit,
    VisitAssignee,
)
from server.routing.solver import Budget
from tests.support import factories as f

DAY = date(2030, 3, 5)
SQUARE = (31.2304, 121.4737)  # People's Square, 黄浦区
BUDGET = Budget(max_iterations=150, seed=0)


@dataclass
class Team_:
    lender: object
    agency: object
    team: Team
    dispatcher: User
    collectors: list = field(default_factory=list)


def near(dx_m: float = 0, dy_m: float = 0, origin=SQUARE) -> tuple[float, float]:
    """A point dx metres east and dy metres north of `origin`."""
    return origin[0] + dy_m / 111_000, origin[1] + dx_m / 95_000


def team_day(session, collectors=2, tz="Asia/Shanghai", office=SQUARE, shift=(9 * 60, 18 * 60),
             base=SQUARE) -> Team_:
    """A lender, an outsourced agency with one team, its dispatcher and collectors."""
    lender, agency = f.agency(session, kind="lender"), f.agency(session)
    team = f.team(session, agency, time_zone=tz, office_lat=office[0] if office else None,
                  office_lng=office[1] if office else None)
    dispatcher = f.user(session, "dispatcher", team)
    people = [f.user(session, "collector", team, base_lat=base[0], base_lng=base[1],
                     shift_start_min=shift[0], shift_end_min=shift[1]) for _ in range(collectors)]
    return Team_(lender, agency, team, dispatcher, people)


def visit(session, t: Team_, collectors, at=SQUARE, appointment=None, mandatory=False, priority=0,
          service_min=20, tz="Asia/Shanghai", jurisdiction="CN", on=DAY, preferred=(),
          bucket="M2", outstanding="8000.00") -> Visit:
    """An assigned visit on a new placed case; `appointment` is a pair of aware datetimes."""
    debtor = Party(lender_id=t.lender.id, external_id=f.unique("P"), full_name="王五",
                   preferred_windows=[{"from": a, "to": b} for a, b in preferred])
    session.add(debtor)
    session.flush()
    case = Case(lender_id=t.lender.id, external_id=f.unique("C"), debtor_id=debtor.id,
                jurisdiction=jurisdiction)
    session.add(case)
    session.flush()
    session.add_all([
        Account(lender_id=t.lender.id, external_id=f.unique("A"), case_id=case.id,
                principal=Decimal("10000"), outstanding=Decimal(outstanding), bucket=bucket),
        Placement(case_id=case.id, agency_id=t.agency.id),
    ])
    address = Address(party_id=debtor.id, raw_text="上海市黄浦区某路1号", time_zone=tz,
                      lat=at[0] if at else None, lng=at[1] if at else None)
    session.add(address)
    session.flush()
    row = Visit(case_id=case.id, address_id=address.id, team_id=t.team.id, scheduled_on=on,
                status="assigned", mandatory=mandatory, priority=priority,
                service_minutes=service_min, required_collectors=len(collectors),
                window_start=appointment[0] if appointment else None,
                window_end=appointment[1] if appointment else None)
    session.add(row)
    session.flush()
    session.add_all(VisitAssignee(visit_id=row.id, user_id=a.id) for a in collectors)
    session.flush()
    return row


def local(day: date, hh: int, mm: int = 0, tz: str = "Asia/Shanghai") -> datetime:
    """A wall-clock time on `day` in `tz`, as an aware UTC datetime."""
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def plan_of(session, collector) -> RoutePlan:
    return session.scalar(select(RoutePlan).where(RoutePlan.collector_id == collector.id))


def stops_of(session, collector) -> list[RouteStop]:
    return list(session.scalars(select(RouteStop).join(RoutePlan).where(
        RoutePlan.collector_id == collector.id).order_by(RouteStop.position)))


def assert_every_stop_is_legal_and_in_shift(session) -> int:
    """Check every stored stop against the seeded profile of its case (not the planner's own
    code path): the whole visit in allowed hours, inside any appointment, within the shift."""
    rows = session.execute(
        select(RouteStop, RoutePlan, Visit, Address, Party, Case, User, Team)
        .join(RoutePlan, RoutePlan.id == RouteStop.plan_id)
        .join(Visit, Visit.id == RouteStop.visit_id)
        .join(Address, Address.id == Visit.address_id)
        .join(Case, Case.id == Visit.case_id)
        .join(Party, Party.id == Case.debtor_id)
        .join(User, User.id == RoutePlan.collector_id)
        .join(Team, Team.id == User.team_id)).all()
    for stop, plan, v, address, party, case, user, team in rows:
        tz = ZoneInfo(address.time_zone)
        start, end = stop.service_start, stop.service_end
        assert end == start + timedelta(minutes=v.service_minutes)
        prefs = [_window(p) for p in party.preferred_windows]
        legal = allowed_windows(seeded_profile(case.jurisdiction),
                                start.astimezone(tz).date(), tz, prefs)
        assert any(a <= start and end <= b for a, b in legal), (stop.visit_id, start, legal)
        if v.window_start is not None:
            assert v.window_start <= start <= v.window_end
        assert wall(plan.plan_date, user.shift_start_min, team.time_zone) <= plan.depart_at
        assert plan.depart_at <= stop.eta <= start
        assert end <= plan.return_at <= wall(plan.plan_date, user.shift_end_min, team.time_zone)
    return len(rows)


def wall(day: date, minutes: int, tz: str) -> datetime:
    """When clocks in `tz` show `minutes` after midnight on `day` (DST-aware), in UTC."""
    naive = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _window(pref: dict):
    from server.compliance.engine import TimeWindow

    return TimeWindow.parse([pref["from"], pref["to"]])
