"""The team report per collector and day: one row per collector and local day with activity."""

from __future__ import annotations

from datetime import timedelta

from server.clock import local_midnight_utc
from server.dispatch.team_report import MEASURES, team_report, team_report_by_day
from server.models import Case, VisitAssignee
from tests.integration.cases.world import Statements
from tests.integration.console.conftest import sign_in
from tests.integration.console.test_board_pages import _visit
from tests.integration.dispatch.world import world
from tests.support import factories as f
from tests.support.clock import operation_today


def _cells(html: str, key: str) -> list[str]:
    row = html.split(f'data-collector-day="{key}"')[1].split("</tr>")[0]
    return [c.split("</td>")[0].split(">", 1)[1] for c in row.split("<td")[1:]]


def _two_days(session, w):
    """Ann: yesterday a promise on a met visit, today a payment on a not-home visit."""
    ann, today = w.collectors[0], operation_today()
    yesterday = today - timedelta(days=1)
    met, away = _visit(session, w, on=yesterday), _visit(session, w, on=today)
    for visit in (met, away):
        session.add(VisitAssignee(visit_id=visit.id, user_id=ann.id))
    late_yesterday = local_midnight_utc(today, w.team.time_zone) - timedelta(minutes=30)
    early_today = local_midnight_utc(today, w.team.time_zone) + timedelta(minutes=5)
    f.outcome(session, met, ann, late_yesterday, code="PROMISED")
    f.outcome(session, away, ann, early_today, code="NOT_HOME")
    case = session.get(Case, met.case_id)
    f.promise(session, case, "500.00", today + timedelta(days=3), late_yesterday, collector=ann,
              visit_id=met.id)
    f.payment(session, case, "120.00", early_today, collector=ann, method="cash")
    session.commit()
    return ann, yesterday, today


def test_each_collectors_results_are_split_by_the_teams_local_day(console, session):
    w = world(session)
    ann, yesterday, today = _two_days(session, w)
    sign_in(console, w.dispatcher.username)

    html = console.get(f"/console/reports?team={w.team.code}").get_data(as_text=True)

    assert _cells(html, f"{ann.id}/{yesterday.isoformat()}")[1:] == [
        yesterday.isoformat(), "1", "1", "100%", "1", "0", "0.00"]
    assert _cells(html, f"{ann.id}/{today.isoformat()}")[1:] == [
        today.isoformat(), "1", "1", "0%", "0", "0", "120.00"]
    assert f'data-collector-day="{w.collectors[1].id}/' not in html  # no activity, no rows


def test_the_per_day_breakdown_takes_the_same_statements_for_a_week_or_a_quarter(app, console,
                                                                                 session):
    w = world(session)
    _, _, today = _two_days(session, w)
    sign_in(console, w.dispatcher.username)

    def statements(days: int) -> int:
        first = (today - timedelta(days=days)).isoformat()
        with Statements(app) as counter:
            answer = console.get(f"/console/reports?team={w.team.code}&from={first}")
        assert answer.status_code == 200
        return counter.count

    assert statements(2) == statements(90)


def test_the_range_report_is_the_sum_of_its_days(session):
    w = world(session)
    ann, yesterday, today = _two_days(session, w)

    totals = {r["id"]: r for r in team_report(session, w.team, yesterday, today)["rows"]}
    days = team_report_by_day(session, w.team, yesterday, today)

    assert [r["day"] for r in days if r["id"] == ann.id] == [yesterday, today]
    for measure in MEASURES:
        assert totals[ann.id][measure] == sum(r[measure] for r in days if r["id"] == ann.id)
    assert (totals[ann.id]["visits"], totals[ann.id]["promises"]) == (2, 1)
    assert str(totals[ann.id]["collected"]) == "120.00" and totals[ann.id]["bar"] == 100.0
    idle = totals[w.collectors[1].id]
    assert idle["visits"] == 0 and idle["rpc_rate"] is None
