"""plan_routes on a team's day built from database rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from server.routing import NO_COORDINATES, NO_LEGAL_WINDOW, plan_routes
from server.routing.solver.plan import DOES_NOT_FIT
from tests.integration.routing.day import (
    BUDGET,
    DAY,
    SQUARE,
    assert_every_stop_is_legal_and_in_shift,
    local,
    near,
    plan_of,
    stops_of,
    team_day,
    visit,
)


def plan(session, t, **kw):
    return plan_routes(session, DAY, team_id=t.team.id, budget=BUDGET, **kw)


def test_a_team_day_plans_every_feasible_visit_outside_cn_quiet_hours(session):
    # Long shifts (06:00-23:30) that quiet hours (22:00-08:00 Shanghai) must cut short.
    t = team_day(session, collectors=2, shift=(6 * 60, 23 * 60 + 30))
    li, wang = t.collectors
    mine = [visit(session, t, [li], at=near(300 * i, 200)) for i in range(4)]
    theirs = [visit(session, t, [wang], at=near(-250 * i, -300)) for i in range(3)]
    evening = visit(session, t, [wang], at=near(100, 100), preferred=[("18:00", "20:00")])

    plans = plan(session, t)

    assert {p.collector_id for p in plans} == {li.id, wang.id}
    assert {s.visit_id for s in stops_of(session, li)} == {v.id for v in mine}
    assert {s.visit_id for s in stops_of(session, wang)} == {v.id for v in [*theirs, evening]}
    assert plan_of(session, li).dropped == [] and plan_of(session, wang).dropped == []
    for stop in stops_of(session, li) + stops_of(session, wang):
        assert local(DAY, 8) <= stop.service_start and stop.service_end <= local(DAY, 22)
    late = next(s for s in stops_of(session, wang) if s.visit_id == evening.id)
    assert local(DAY, 18) <= late.service_start and late.service_end <= local(DAY, 20)
    assert assert_every_stop_is_legal_and_in_shift(session) == 8


def test_stops_are_numbered_in_driving_order_with_legs_and_totals(session):
    t = team_day(session, collectors=1)
    for i in range(3):
        visit(session, t, t.collectors, at=near(800 * (i + 1), 0))

    (p,) = plan(session, t)
    stops = stops_of(session, t.collectors[0])

    assert [s.position for s in stops] == [1, 2, 3]
    assert [s.eta for s in stops] == sorted(s.eta for s in stops)
    assert all(s.leg_distance_m > 0 and s.leg_duration_s > 0 for s in stops)
    assert p.total_distance_m > sum(s.leg_distance_m for s in stops)  # plus the way back
    assert (p.start_lat, p.start_lng) == SQUARE and p.depart_at <= stops[0].eta
    assert p.solver["feasible"] and p.solver["iterations"] > 0 and "runtime_s" in p.solver


def test_an_appointment_is_honoured_and_mandatory(session):
    t = team_day(session, collectors=1)
    appointment = (local(DAY, 15), local(DAY, 15, 30))
    booked = visit(session, t, t.collectors, at=near(2000, 0), appointment=appointment)
    for i in range(3):
        visit(session, t, t.collectors, at=near(-300 * i, 0))

    plan(session, t)

    stop = next(s for s in stops_of(session, t.collectors[0]) if s.visit_id == booked.id)
    assert appointment[0] <= stop.service_start <= appointment[1]
    assert (stop.window_start, stop.window_end) == appointment
    assert assert_every_stop_is_legal_and_in_shift(session) == 4


def test_an_appointment_in_quiet_hours_is_dropped_not_scheduled(session):
    t = team_day(session, collectors=1, shift=(6 * 60, 23 * 60 + 59))
    night = visit(session, t, t.collectors, appointment=(local(DAY, 22, 30), local(DAY, 23)))

    (p,) = plan(session, t)

    assert stops_of(session, t.collectors[0]) == []
    assert p.dropped == [{"visit_id": night.id, "mandatory": True, "reason": NO_LEGAL_WINDOW}]
    assert p.solver["complete"] is False


def test_an_over_full_day_drops_the_least_valuable_visits_with_reasons(session):
    # Three hours, six 50-minute visits next door to each other: three fit.
    t = team_day(session, collectors=1, shift=(9 * 60, 12 * 60))
    visits = [visit(session, t, t.collectors, at=near(5 * i, 0), priority=i, service_min=50)
              for i in range(6)]

    (p,) = plan(session, t)

    kept = {s.visit_id for s in stops_of(session, t.collectors[0])}
    assert kept == {v.id for v in visits[3:]}
    assert sorted(d["visit_id"] for d in p.dropped) == sorted(v.id for v in visits[:3])
    assert {d["reason"] for d in p.dropped} == {DOES_NOT_FIT}
    assert assert_every_stop_is_legal_and_in_shift(session) == 3


def test_broken_promises_and_bigger_debts_outrank_a_plain_visit_when_the_day_is_full(session):
    from datetime import date

    from server.models import Case
    from tests.support import factories as f

    t = team_day(session, collectors=1, shift=(9 * 60, 10 * 60))
    plain = visit(session, t, t.collectors, service_min=50, bucket="M1", outstanding="100")
    broken = visit(session, t, t.collectors, at=near(5, 0), service_min=50, bucket="M1",
                   outstanding="100")
    case = session.get(Case, broken.case_id)
    f.promise(session, case, 100, date(2030, 2, 1), local(DAY, 9) - timedelta(days=40),
              status="broken")

    (p,) = plan(session, t)

    assert [s.visit_id for s in stops_of(session, t.collectors[0])] == [broken.id]
    assert p.dropped[0]["visit_id"] == plain.id


def test_a_two_person_visit_is_on_both_collectors_routes_at_the_same_time(session):
    t = team_day(session, collectors=2)
    li, wang = t.collectors
    own = visit(session, t, [li], at=near(600, 0))
    both = visit(session, t, [li, wang], at=near(1200, 300))
    other = visit(session, t, [wang], at=near(0, 900))

    plan_routes(session, DAY, [li.id], budget=BUDGET)  # the crew mate is planned too

    mine, theirs = stops_of(session, li), stops_of(session, wang)
    assert {s.visit_id for s in mine} == {own.id, both.id}
    assert {s.visit_id for s in theirs} == {both.id, other.id}
    shared = [next(s for s in stops if s.visit_id == both.id) for stops in (mine, theirs)]
    assert shared[0].eta == shared[1].eta and shared[0].service_start == shared[1].service_start
    assert plan_of(session, li).partner_id == wang.id
    assert plan_of(session, wang).partner_id == li.id
    assert plan_of(session, li).total_distance_m == plan_of(session, wang).total_distance_m
    assert assert_every_stop_is_legal_and_in_shift(session) == 4


def test_a_visit_without_coordinates_is_dropped_with_a_reason(session):
    t = team_day(session, collectors=1)
    lost = visit(session, t, t.collectors, at=None)
    found = visit(session, t, t.collectors)

    (p,) = plan(session, t)

    assert [s.visit_id for s in stops_of(session, t.collectors[0])] == [found.id]
    assert p.dropped == [{"visit_id": lost.id, "mandatory": False, "reason": NO_COORDINATES}]


def test_planning_again_replaces_the_plan_and_its_stops(session):
    from sqlalchemy import func, select

    from server.models import RoutePlan, RouteStop, SyncChange

    t = team_day(session, collectors=1)
    visit(session, t, t.collectors)
    (first,) = plan(session, t)
    old_stop = stops_of(session, t.collectors[0])[0].id
    visit(session, t, t.collectors, at=near(500, 0))

    (second,) = plan(session, t)

    assert second.id == first.id
    assert session.scalar(select(func.count()).select_from(RoutePlan)) == 1
    assert session.scalar(select(func.count()).select_from(RouteStop)) == 2
    assert session.scalar(select(SyncChange.op).where(SyncChange.row_id == old_stop)
                          .order_by(SyncChange.seq.desc()).limit(1)) == "delete"


def test_a_new_york_day_keeps_fdcpa_hours_in_local_time_on_the_dst_change(session):
    from datetime import date

    ny, manhattan = "America/New_York", (40.7128, -74.0060)
    spring = date(2030, 3, 10)  # clocks jump 02:00 -> 03:00: a 23-hour day
    t = team_day(session, collectors=1, tz=ny, office=manhattan, base=manhattan,
                 shift=(6 * 60, 23 * 60 + 30))
    late = (local(spring, 20, 30, ny), local(spring, 21, 30, ny))
    booked = visit(session, t, t.collectors, at=near(900, 0, manhattan), tz=ny, jurisdiction="US",
                   on=spring, appointment=late)
    for i in range(3):
        visit(session, t, t.collectors, at=near(-400 * i, 300, manhattan), tz=ny,
              jurisdiction="US", on=spring)

    plan_routes(session, spring, team_id=t.team.id, budget=BUDGET)

    stops = stops_of(session, t.collectors[0])
    assert len(stops) == 4
    assert all(local(spring, 8, 0, ny) <= s.service_start for s in stops)
    evening = next(s for s in stops if s.visit_id == booked.id)
    assert local(spring, 20, 30, ny) <= evening.service_start <= local(spring, 20, 40, ny)
    assert evening.service_end <= local(spring, 21, 0, ny)
    assert assert_every_stop_is_legal_and_in_shift(session) == 4


def test_a_plan_that_breaks_a_window_is_refused_and_nothing_is_stored(session, monkeypatch):
    import pytest
    from sqlalchemy import func, select

    from server.models import RoutePlan
    from server.routing import UnsafePlan
    from server.routing import routes as planning
    from server.routing.solver import Plan, Route, Visit

    def reckless(problem, provider, budget):  # a solver bug: service at 23:00
        stop = problem.stops[0]
        night = 23 * 3600
        return Plan((Route(problem.collectors[0].id, 9 * 3600, night + 1800, (Visit(
            stop.id, night, night, night + stop.service_s, 0, (night, night), 10, 10),), 10, 10),),
            (), 0, 0.0, 1)

    monkeypatch.setattr(planning, "solve", reckless)
    t = team_day(session, collectors=1, shift=(6 * 60, 23 * 60 + 59))
    visit(session, t, t.collectors)

    with pytest.raises(UnsafePlan):
        plan(session, t)
    assert session.scalar(select(func.count()).select_from(RoutePlan)) == 0


def test_a_debtor_in_another_zone_keeps_their_own_quiet_hours(session):
    # Team clock Shanghai (UTC+8); debtor's clock Urumqi (UTC+6): 08:00 there is 10:00 here.
    t = team_day(session, collectors=1, shift=(6 * 60, 23 * 60 + 30))
    far = visit(session, t, t.collectors, tz="Asia/Urumqi", at=near(300, 0))

    plan(session, t)

    (stop,) = stops_of(session, t.collectors[0])
    assert stop.visit_id == far.id
    assert local(DAY, 8, 0, "Asia/Urumqi") == local(DAY, 10) <= stop.service_start
    assert assert_every_stop_is_legal_and_in_shift(session) == 1


def test_a_collector_in_two_pairs_rides_with_one_and_the_other_visit_is_reported(session):
    from server.routing.crews import SPLIT_CREW

    t = team_day(session, collectors=3)
    a, b, c = t.collectors
    first = [visit(session, t, [a, b], at=near(300 * i, 0)) for i in range(2)]
    odd = visit(session, t, [b, c], at=near(0, 400))

    plan(session, t)

    assert {s.visit_id for s in stops_of(session, b)} == {v.id for v in first}
    for who in (b, c):
        assert plan_of(session, who).dropped == [
            {"visit_id": odd.id, "mandatory": False, "reason": SPLIT_CREW}]
    assert plan_of(session, c).partner_id is None
