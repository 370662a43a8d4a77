"""Follow-ups over HTTP: each role sees its own, completes or cancels, plans revisit visits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.followups.pending import apply_decisions, decision
from server.followups.revisits import time_revisit_follow_ups
from server.models import FollowUp, Visit, utcnow
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_today

DUE = datetime(2026, 3, 9, tzinfo=UTC)


def _follow_up(session, visit, kind="revisit", assigned_to=None, status="open"):
    row = FollowUp(case_id=visit.case_id, visit_id=visit.id, kind=kind, due_at=DUE,
                   reason="test", assigned_to=assigned_to.id if assigned_to else None,
                   status=status)
    session.add(row)
    session.flush()
    return row


def test_collectors_see_their_own_and_dispatchers_their_teams_follow_ups(client, session):
    team, other = f.team(session), f.team(session)
    collector, dispatcher = f.user(session, "collector", team), f.user(session, "dispatcher", team)
    _, ours = f.case_with_visit(session, team_row=team)
    _, theirs = f.case_with_visit(session, team_row=other)
    mine = _follow_up(session, ours, "call", assigned_to=collector)
    team_task = _follow_up(session, ours, "review")
    _follow_up(session, theirs, "review")
    session.commit()

    as_collector = client.get("/api/v1/follow-ups", headers=bearer(login(client,
                                                                         collector.username)))
    as_dispatcher = client.get("/api/v1/follow-ups?kind=review&status=open",
                               headers=bearer(login(client, dispatcher.username)))

    assert [r["id"] for r in as_collector.get_json()] == [mine.id]
    assert [r["id"] for r in as_dispatcher.get_json()] == [team_task.id]


def test_completing_and_cancelling_close_a_follow_up_once(client, session):
    team = f.team(session)
    collector, dispatcher = f.user(session, "collector", team), f.user(session, "dispatcher", team)
    _, visit = f.case_with_visit(session, team_row=team)
    call, review = _follow_up(session, visit, "call", collector), _follow_up(session, visit,
                                                                             "review")
    session.commit()
    collector_token, dispatcher_token = (login(client, collector.username),
                                     login(client, dispatcher.username))

    done = client.post(f"/api/v1/follow-ups/{call.id}/complete", headers=bearer(collector_token),
                       json={"resolution": "debtor will pay Friday"})
    twice = client.post(f"/api/v1/follow-ups/{call.id}/complete", headers=bearer(collector_token),
                        json={"resolution": "again"})
    collector_cancel = client.post(f"/api/v1/follow-ups/{review.id}/cancel",
                               headers=bearer(collector_token), json={"reason": "x"})
    cancelled = client.post(f"/api/v1/follow-ups/{review.id}/cancel",
                            headers=bearer(dispatcher_token), json={"reason": "visit done"})
    empty = client.post(f"/api/v1/follow-ups/{review.id}/cancel",
                        headers=bearer(dispatcher_token), json={})

    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert twice.status_code == 409
    assert collector_cancel.status_code == 403
    assert cancelled.get_json()["status"] == "cancelled"
    assert empty.status_code == 422


def test_a_dispatcher_turns_a_revisit_into_a_planned_visit_at_the_home_address(client, session):
    team = f.team(session)
    dispatcher, collector = f.user(session, "dispatcher", team), f.user(session, "collector", team)
    _, visit = f.case_with_visit(session, team_row=team)
    revisit, call = _follow_up(session, visit), _follow_up(session, visit, "call")
    session.commit()
    token = login(client, dispatcher.username)
    on = (operation_today() + timedelta(days=3)).isoformat()

    planned = client.post(f"/api/v1/follow-ups/{revisit.id}/visit", headers=bearer(token),
                          json={"on": on})
    not_revisit = client.post(f"/api/v1/follow-ups/{call.id}/visit", headers=bearer(token),
                              json={"on": on})
    by_collector = client.post(f"/api/v1/follow-ups/{call.id}/visit",
                           headers=bearer(login(client, collector.username)), json={"on": on})
    unknown = client.post("/api/v1/follow-ups/nope/visit", headers=bearer(token),
                          json={"on": on})

    assert planned.status_code == 201, planned.get_json()
    body = planned.get_json()
    assert (body["status"], body["scheduled_on"], body["address_id"]) == ("planned", on,
                                                                          visit.address_id)
    session.expire_all()
    assert session.get(Visit, body["id"]).team_id == team.id
    assert session.get(FollowUp, revisit.id).status == "done"
    assert not_revisit.status_code == 409
    assert by_collector.status_code == 403
    assert unknown.status_code == 404


def test_pending_follow_ups_are_listed_and_only_cancelled_until_the_monitor_times_them(
        client, session):
    team = f.team(session)
    dispatcher = f.user(session, "dispatcher", team)
    _, visit = f.case_with_visit(session, team_row=team)
    to_cancel = _follow_up(session, visit, status="pending")
    to_time = _follow_up(session, visit, status="pending")
    _follow_up(session, visit)  # open
    session.commit()
    token = bearer(login(client, dispatcher.username))
    on = (operation_today() + timedelta(days=3)).isoformat()

    listed = client.get("/api/v1/follow-ups?status=pending", headers=token)
    unknown_status = client.get("/api/v1/follow-ups?status=waiting", headers=token)
    complete = client.post(f"/api/v1/follow-ups/{to_time.id}/complete", headers=token,
                           json={"resolution": "visited anyway"})
    plan = client.post(f"/api/v1/follow-ups/{to_time.id}/visit", headers=token, json={"on": on})
    cancelled = client.post(f"/api/v1/follow-ups/{to_cancel.id}/cancel", headers=token,
                            json={"reason": "paid at the branch"})

    assert listed.status_code == 200
    assert sorted(r["id"] for r in listed.get_json()) == sorted([to_cancel.id, to_time.id])
    assert {r["status"] for r in listed.get_json()} == {"pending"}
    assert unknown_status.status_code == 422
    for refused in (complete, plan):
        assert refused.status_code == 409
        assert "pending" in refused.get_json()["message"]
        assert "not timed" in refused.get_json()["message"]
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"

    # The monitor's timing step opens the other one and leaves the cancelled one alone, even
    # when it read it as pending just before the dispatcher cancelled it.
    now = utcnow()
    apply_decisions(session, [decision(to_cancel.id, now, "", now, "revisit")], now)
    counts = time_revisit_follow_ups(session, now, "Asia/Shanghai")
    session.commit()
    session.expire_all()
    assert counts["revisits_due"] + counts["revisits_cancelled"] == 1
    stored = session.get(FollowUp, to_cancel.id)
    assert (stored.status, stored.resolution) == ("cancelled", "paid at the branch")
    assert session.get(FollowUp, to_time.id).status == "open"
    done = client.post(f"/api/v1/follow-ups/{to_time.id}/complete", headers=token,
                       json={"resolution": "visited"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
