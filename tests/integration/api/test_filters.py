"""List filters: a plain date is the operation's local day, names resolve, unknowns are 422."""

from __future__ import annotations

from datetime import UTC, datetime

from server.audit import service as audit
from server.compliance.engine import Finding, Rule, Severity
from server.compliance.violations import ViolationContext, record_violations
from server.models import FollowUp, Placement
from tests.support import factories as f
from tests.support.api import bearer, login

# Shanghai is UTC+8: 15:30Z is 23:30 on 1 March there, 16:30Z is 00:30 on 2 March.
LATE_ON_THE_1ST = datetime(2025, 3, 1, 15, 30, tzinfo=UTC)
EARLY_ON_THE_2ND = datetime(2025, 3, 1, 16, 30, tzinfo=UTC)


def _get(client, token, url, **params):
    response = client.get(url, query_string=params, headers=bearer(token))
    return response.status_code, response.get_json()


def _errors(body) -> dict:
    """The field errors of a 422, whichever location webargs filed them under."""
    return body["errors"].get("query", body["errors"])


def test_violation_dates_are_the_operations_local_days(client, session):
    officer, collector = f.user(session, "compliance"), f.user(session, "collector")
    for fact, at in (("late", LATE_ON_THE_1ST), ("early", EARLY_ON_THE_2ND)):
        record_violations(session, [Finding(Rule.QUIET, Severity.BLOCK, "quiet", {})],
                          ViolationContext("check_ins", fact, user_id=collector.id), now=at)
    session.commit()
    token = login(client, officer.username)
    url = "/api/v1/compliance/violations"

    def facts(**params):
        status, body = _get(client, token, url, **params)
        assert status == 200, body
        return sorted(row["fact_id"] for row in body)

    assert facts(**{"from": "2025-03-02"}) == ["early"]
    assert facts(to="2025-03-01") == ["late"]  # the whole of 1 March, Shanghai time
    assert facts(**{"from": "2025-03-01", "to": "2025-03-01"}) == ["late"]
    assert facts(**{"from": "2025-03-01T16:00:00Z"}) == ["early"]
    assert facts(**{"from": "2025-03-02T00:00:00"}) == ["early"]  # no offset: Shanghai's clock
    assert facts(**{"from": "2025-03-01T16:00:00+00:00"},
                 collector_id=collector.username) == ["early"]


DATE_FILTERS = (("/api/v1/compliance/violations", "from"), ("/api/v1/compliance/violations", "to"),
                ("/api/v1/audit-events", "since"), ("/api/v1/audit-events", "until"),
                ("/api/v1/follow-ups", "due_before"))


def test_a_bad_date_filter_is_a_422_naming_it_and_extreme_dates_never_500(client, session):
    officer = f.user(session, "compliance")
    session.commit()
    token = login(client, officer.username)

    for url, name in DATE_FILTERS:
        for value in ("yesterday", "2026-13-01", "2025-03-01T25:00:00Z", "0001-01-01T00:00+08:00"):
            status, body = _get(client, token, url, **{name: value})
            assert status == 422 and name in _errors(body), (url, value, body)
        for value in ("9999-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00"):
            status, body = _get(client, token, url, **{name: value})
            assert status in (200, 422), (url, value, body)


def test_audit_events_since_a_plain_date_start_at_local_midnight(client, session):
    officer = f.user(session, "compliance")
    audit.record(session, officer.id, "test.late", now=LATE_ON_THE_1ST)
    audit.record(session, officer.id, "test.early", now=EARLY_ON_THE_2ND)
    session.commit()
    token = login(client, officer.username)

    status, since = _get(client, token, "/api/v1/audit-events", since="2025-03-02",
                         until="2025-03-02", actor_id=officer.id)
    _, until = _get(client, token, "/api/v1/audit-events", until="2025-03-01")

    assert status == 200, since
    assert [e["action"] for e in since] == ["test.early"]
    assert [e["action"] for e in until] == ["test.late"]


def test_follow_ups_due_before_a_plain_date_are_due_before_its_local_midnight(client, session):
    team = f.team(session)
    dispatcher = f.user(session, "dispatcher", team)
    _, visit = f.case_with_visit(session, team_row=team)
    for reason, due in (("late", LATE_ON_THE_1ST), ("early", EARLY_ON_THE_2ND)):
        session.add(FollowUp(case_id=visit.case_id, visit_id=visit.id, kind="review", due_at=due,
                             reason=reason, status="open"))
    session.commit()
    token = login(client, dispatcher.username)

    status, body = _get(client, token, "/api/v1/follow-ups", due_before="2025-03-02")
    _, by_code = _get(client, token, "/api/v1/follow-ups", team_id=team.code)

    assert status == 200, body
    assert [row["reason"] for row in body] == ["late"]
    assert sorted(row["reason"] for row in by_code) == ["early", "late"]


def test_an_unknown_rule_or_status_is_a_422_not_an_empty_list(client, session):
    officer = f.user(session, "compliance")
    session.commit()
    token = login(client, officer.username)

    status, body = _get(client, token, "/api/v1/compliance/violations", rule="NOPE")
    known, _ = _get(client, token, "/api/v1/compliance/violations", rule="QUIET")

    assert status == 422 and "rule" in _errors(body)
    assert known == 200


def test_visits_filter_by_team_code_username_and_case(client, session):
    team, other_team = f.team(session), f.team(session)
    dispatcher = f.user(session, "dispatcher", team)
    collector = f.user(session, "collector", team)
    _, assigned = f.case_with_visit(session, collectors=[collector], team_row=team)
    other_case, unassigned = f.case_with_visit(session, team_row=team)
    session.add(Placement(case_id=other_case.id, agency_id=team.agency_id))
    session.commit()
    token = login(client, dispatcher.username)

    def ids(**params):
        status, body = _get(client, token, "/api/v1/visits", **params)
        assert status == 200, body
        return sorted(row["id"] for row in body)

    assert ids(team=team.code) == sorted([assigned.id, unassigned.id])
    assert ids(team=team.id) == sorted([assigned.id, unassigned.id])
    assert ids(collector=collector.username) == [assigned.id]
    assert ids(case_id=other_case.id) == [unassigned.id]
    for params, name in (({"team": "NOPE"}, "team"), ({"collector": "nobody"}, "collector"),
                         ({"team": other_team.code}, "team"),  # another agency's: no hint
                         ({"team": "P\x00D1"}, "team"), ({"collector": "x" * 81}, "collector"),
                         ({"case_id": "c\x00"}, "case_id")):
        status, body = _get(client, token, "/api/v1/visits", **params)
        assert status == 422 and name in _errors(body), body
        assert other_team.id not in str(body)


def test_workload_and_plans_name_teams_and_people_by_code_or_refuse(client, session):
    team = f.team(session)
    dispatcher = f.user(session, "dispatcher", team)
    collector = f.user(session, "collector", team)
    session.commit()
    token = login(client, dispatcher.username)

    by_code, _ = _get(client, token, "/api/v1/visits/workload", date="2025-03-01", team=team.code)
    unknown, body = _get(client, token, "/api/v1/visits/workload", date="2025-03-01", team="NOPE")
    plans, _ = _get(client, token, "/api/v1/route-plans", date="2025-03-01",
                    collector=collector.username)
    nobody, plan_body = _get(client, token, "/api/v1/route-plans", date="2025-03-01",
                             collector="nobody")

    assert by_code == 200 and plans == 200
    assert unknown == 422 and "team" in _errors(body)
    assert nobody == 422 and "collector" in _errors(plan_body)
