"""Auto-assign fills collectors' days by distance, capacity, balance and the rules, and says why
each visit it could not place was left out."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.models import AuditEvent, SyncChange, Visit, VisitAssignee
from tests.integration.dispatch.world import collector, planned_visit, world
from tests.support.api import bearer, login

WEST, EAST = (31.22, 121.40), (31.24, 121.52)
TODAY = date.today().isoformat()


def _run(client, w, **body):
    token = login(client, w.dispatcher.username)
    return client.post("/api/v1/visits/auto-assign", headers=bearer(token),
                       json={"team": w.team.code, "date": TODAY, **body})


def _two_pairs(session, capacity=1):
    w = world(session, agents=0)
    w.agents = [collector(session, w.team, base=base, daily_capacity=capacity)
                for base in (WEST, EAST, WEST, EAST)]
    return w


def test_visits_go_to_the_nearest_pair_within_capacity(client, session):
    w = _two_pairs(session)
    west = planned_visit(session, w, at=WEST, priority=5)
    east = planned_visit(session, w, at=EAST, priority=4)
    third = planned_visit(session, w, at=EAST, priority=1)
    session.commit()

    body = _run(client, w).get_json()

    w0, e0, w1, e1 = (a.id for a in w.agents)
    assert sorted(map(sorted, body["pairs"])) == sorted([sorted([w0, w1]), sorted([e0, e1])])
    got = {a["visit_id"]: set(a["collector_ids"]) for a in body["assigned"]}
    assert got == {west.id: {w0, w1}, east.id: {e0, e1}}
    assert body["unassigned"] == [{"visit_id": third.id, "case_id": third.case_id,
                                   "reason": "no capacity"}]
    rows = session.scalars(select(VisitAssignee).where(VisitAssignee.visit_id == east.id)).all()
    assert {r.user_id for r in rows} == {e0, e1} and {r.role for r in rows} == {"lead", "second"}
    assert session.get(Visit, east.id).status == "assigned"
    assert session.get(Visit, east.id).version == 2
    fed = set(session.scalars(select(SyncChange.row_id).where(SyncChange.table_name == "visits")))
    assert {west.id, east.id} <= fed
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "visit.assign")).one()
    assert audit.detail["auto"] is True and len(audit.detail["assignments"]) == 2


def test_visits_it_cannot_place_are_reported_with_the_reason(client, session):
    w = world(session, agents=0)
    w.agents = [collector(session, w.team, base=WEST, daily_capacity=5) for _ in range(3)]
    lapsed = collector(session, w.team, base=WEST, certified=False)
    nowhere = planned_visit(session, w, at=None, state="unverified")
    fragile = planned_visit(session, w, at=WEST, vulnerable=True)
    elsewhere = planned_visit(session, w, at=WEST, district="浦东新区")  # outside the territory
    ok = [planned_visit(session, w, at=WEST) for _ in range(6)]
    session.commit()

    body = _run(client, w).get_json()

    reasons = {u["visit_id"]: u["reason"] for u in body["unassigned"]}
    assert reasons[nowhere.id] == "no verified coordinates"
    assert reasons[fragile.id].startswith("compliance: VULNERABLE")
    assert elsewhere.id not in reasons and elsewhere.id not in {
        a["visit_id"] for a in body["assigned"]}
    # one pair (capacity 5 each) and a collector without a partner: 5 placed, 1 left unpaired
    assert len(body["assigned"]) == 5
    assert [reasons[v.id] for v in ok if v.id in reasons] == ["no collector pair available"]
    assert body["excluded_collectors"][0]["user_id"] == lapsed.id
    assert body["excluded_collectors"][0]["reason"].startswith("CREDENTIALS")


def test_a_dry_run_plans_but_writes_nothing(client, session):
    w = _two_pairs(session)
    visit = planned_visit(session, w, at=WEST)
    session.commit()

    body = _run(client, w, dry_run=True).get_json()

    assert [a["visit_id"] for a in body["assigned"]] == [visit.id]
    assert session.scalar(select(VisitAssignee.id)) is None
    assert session.get(Visit, visit.id).status == "planned"


def test_the_same_input_gives_the_same_plan(client, session):
    w = _two_pairs(session, capacity=3)
    for base in (WEST, EAST, WEST, EAST, WEST):
        planned_visit(session, w, at=base)
    session.commit()

    first = _run(client, w, dry_run=True).get_json()
    second = _run(client, w, dry_run=True).get_json()

    assert first == second


def test_agents_may_not_auto_assign_and_other_agencies_teams_are_not_found(client, session):
    w, rival = world(session), world(session)
    session.commit()

    agent = client.post("/api/v1/visits/auto-assign",
                        headers=bearer(login(client, w.agents[0].username)),
                        json={"team": w.team.code, "date": TODAY})
    foreign = _run(client, w, team=rival.team.id)
    bad = _run(client, w, balance="vibes")

    assert agent.status_code == 403
    assert foreign.status_code == 404
    assert bad.status_code == 422 and "balance" in bad.get_json()["errors"]


def test_workload_counts_visits_money_and_overbooking(client, session):
    w = world(session, agents=0)
    busy = collector(session, w.team, daily_capacity=1)
    idle = collector(session, w.team, daily_capacity=4)
    partner = collector(session, w.team, daily_capacity=4)
    visits = [planned_visit(session, w, outstanding="1000.50") for _ in range(2)]
    session.commit()
    token = login(client, w.dispatcher.username)
    for visit in visits:
        client.patch(f"/api/v1/visits/{visit.id}", headers=bearer(token),
                     json={"version": 1, "assignees": [busy.id, partner.id]})

    rows = client.get(f"/api/v1/visits/workload?date={TODAY}&team={w.team.id}",
                      headers=bearer(token)).get_json()

    by_user = {r["user_id"]: r for r in rows}
    assert by_user[busy.id]["visits"] == 2 and by_user[busy.id]["outstanding"] == "2001.00"
    assert by_user[busy.id]["overbooked"] is True and by_user[busy.id]["remaining"] == 0
    assert by_user[idle.id]["visits"] == 0 and by_user[idle.id]["overbooked"] is False
    assert by_user[partner.id]["capacity"] == 4 and by_user[partner.id]["remaining"] == 2
