"""Auto-assign fills collectors' days by distance, capacity, balance and the rules, and says why
each visit it could not place was left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from server.compliance.effective import ProfileResolver
from server.compliance.inputs import (
    DEFAULT_TZ,
    address_facts,
    attempts_for,
    consents_for,
    debtor_facts,
    notices_given,
)
from server.dispatch.checks import CaseFacts, case_facts_for
from server.models import (
    Address,
    AuditEvent,
    Case,
    ContactAttempt,
    OptOut,
    SyncChange,
    Visit,
    VisitAssignee,
)
from tests.integration.dispatch.world import collector, planned_visit, world
from tests.support.api import bearer, login
from tests.support.clock import operation_today

WEST, EAST = (31.22, 121.40), (31.24, 121.52)
TODAY = operation_today().isoformat()


def _run(client, w, **body):
    token = login(client, w.dispatcher.username)
    return client.post("/api/v1/visits/auto-assign", headers=bearer(token),
                       json={"team": w.team.code, "date": TODAY, **body})


def _two_pairs(session, capacity=1):
    w = world(session, collectors=0)
    w.collectors = [collector(session, w.team, base=base, daily_capacity=capacity)
                for base in (WEST, EAST, WEST, EAST)]
    return w


def test_visits_go_to_the_nearest_pair_within_capacity(client, session):
    w = _two_pairs(session)
    west = planned_visit(session, w, at=WEST, priority=5)
    east = planned_visit(session, w, at=EAST, priority=4)
    third = planned_visit(session, w, at=EAST, priority=1)
    session.commit()

    body = _run(client, w).get_json()

    w0, e0, w1, e1 = (a.id for a in w.collectors)
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
    w = world(session, collectors=0)
    w.collectors = [collector(session, w.team, base=WEST, daily_capacity=5) for _ in range(3)]
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


def test_collectors_may_not_auto_assign_and_other_agencies_teams_are_not_found(client, session):
    w, rival = world(session), world(session)
    session.commit()

    collector = client.post("/api/v1/visits/auto-assign",
                        headers=bearer(login(client, w.collectors[0].username)),
                        json={"team": w.team.code, "date": TODAY})
    foreign = _run(client, w, team=rival.team.id)
    bad = _run(client, w, balance="vibes")

    assert collector.status_code == 403
    assert foreign.status_code == 404
    assert bad.status_code == 422 and "balance" in bad.get_json()["errors"]


def test_workload_counts_visits_money_and_overbooking(client, session):
    w = world(session, collectors=0)
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


def _rule_inputs_world(session):
    """Candidates whose rule inputs differ: contact attempts, an opt-out, a vulnerable debtor,
    one case without a placement of its own agency's profile."""
    w = world(session, collectors=2)
    visits = [planned_visit(session, w, at=WEST) for _ in range(4)]
    visits.append(planned_visit(session, w, at=WEST, vulnerable=True))
    now = datetime.now(UTC)
    for n, visit in enumerate(visits[:3]):
        case = session.get(Case, visit.case_id)
        for k in range(n + 1):
            session.add(ContactAttempt(case_id=case.id, party_id=case.debtor_id,
                                       channel="visit" if k % 2 else "call",
                                       occurred_at=now - timedelta(days=k + 1)))
    second = session.get(Case, visits[1].case_id)
    session.add(OptOut(party_id=second.debtor_id, channel="visit", reason="cease"))
    session.flush()
    return w, visits


def test_rule_inputs_loaded_together_are_those_loaded_one_visit_at_a_time(session):
    _, visits = _rule_inputs_world(session)
    rows = [(v, session.get(Case, v.case_id), session.get(Address, v.address_id))
            for v in visits]
    together = case_facts_for(session, ProfileResolver(session), rows)
    resolver = ProfileResolver(session)
    alone = {v.id: CaseFacts(v, c, resolver.for_case(c), debtor_facts(session, c),
                             address_facts(a, DEFAULT_TZ),
                             attempts_for(session, [c.id]).get(c.id, []),
                             consents_for(session, [c.debtor_id]).get(c.debtor_id, []),
                             notices_given(session, [v.id]).get(v.id))
             for v, c, a in rows}
    assert together == alone
    assert [len(together[v.id].attempts) for v in visits] == [1, 2, 3, 0, 0]
    assert together[visits[1].id].debtor != together[visits[0].id].debtor  # the cease request


def test_auto_assign_reads_the_rules_inputs_in_queries_that_do_not_grow_with_candidates(
        client, session):
    w, _ = _rule_inputs_world(session)
    session.commit()

    def statements() -> tuple[int, int]:
        count = [0]

        def counting(*args):
            count[0] += 1

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", counting)
        try:
            body = _run(client, w, dry_run=True).get_json()
        finally:
            event.remove(engine, "before_cursor_execute", counting)
        return len(body["assigned"]) + len(body["unassigned"]), count[0]

    few = statements()
    for _ in range(10):
        planned_visit(session, w, at=WEST)
    session.commit()
    many = statements()
    assert many[0] == few[0] + 10
    assert many[1] == few[1]
