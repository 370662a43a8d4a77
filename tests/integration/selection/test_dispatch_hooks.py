"""The day's selection reaches dispatch: chosen cases are assigned first, and their route
prizes carry their expected value; with no scores nothing changes."""

from __future__ import annotations

from dataclasses import dataclass

from server.models import SelectionScore
from server.routing.day import Day
from server.selection.hooks import NEUTRAL, selection_ranks, with_selection_prizes
from tests.integration.dispatch.world import collector, planned_visit, world
from tests.support.api import bearer, login
from tests.support.clock import operation_today


def _score(session, visit, selected, ev, team_id=None):
    row = SelectionScore(case_id=visit.case_id, team_id=team_id, scored_on=visit.scheduled_on,
                         arm="model", expected_value=ev, selected=selected, reasons=[])
    session.add(row)
    session.flush()
    return row


def test_auto_assign_gives_the_only_slot_to_the_chosen_case(client, session):
    w = world(session, collectors=0)
    w.collectors = [collector(session, w.team, daily_capacity=1) for _ in range(2)]
    high_priority = planned_visit(session, w, priority=9)
    chosen = planned_visit(session, w, priority=0)
    _score(session, high_priority, selected=False, ev=-40.0)
    _score(session, chosen, selected=True, ev=300.0)
    session.commit()
    answer = client.post("/api/v1/visits/auto-assign", headers=bearer(login(
        client, w.dispatcher.username)), json={"team": w.team.id,
                                               "date": operation_today().isoformat()})
    assert answer.status_code == 200, answer.get_json()
    assert [a["visit_id"] for a in answer.get_json()["assigned"]] == [chosen.id]


def test_ranks_put_chosen_cases_first_and_unscored_ones_between(session):
    w = world(session, collectors=0)
    a, b, c = (planned_visit(session, w) for _ in range(3))
    _score(session, a, selected=True, ev=10.0)
    _score(session, b, selected=False, ev=-5.0)
    ranks = selection_ranks(session, [a.case_id, b.case_id, c.case_id], operation_today())
    assert sorted([a.case_id, b.case_id, c.case_id],
                  key=lambda cid: ranks.get(cid, NEUTRAL)) == [a.case_id, c.case_id, b.case_id]


@dataclass(frozen=True)
class _Visit:
    id: str
    prize: int


def test_route_prizes_of_chosen_visits_grow_with_their_value(session):
    w = world(session, collectors=0)
    chosen, other, unscored = (planned_visit(session, w) for _ in range(3))
    _score(session, chosen, selected=True, ev=250.0)
    _score(session, other, selected=False, ev=-10.0)
    day = Day(operation_today(), {}, tuple(_Visit(v.id, 5_000)
                                            for v in (chosen, other, unscored)))
    prizes = {v.id: v.prize for v in with_selection_prizes(session, day).visits}
    assert prizes == {chosen.id: 5_000 + 2_500, other.id: 5_000, unscored.id: 5_000}
