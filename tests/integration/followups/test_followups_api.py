"""Follow-ups over HTTP: each role sees its own, completes or cancels, plans revisit visits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.models import FollowUp, Visit
from tests.support import factories as f
from tests.support.api import bearer, login

DUE = datetime(2026, 3, 9, tzinfo=UTC)


def _follow_up(session, visit, kind="revisit", assigned_to=None):
    row = FollowUp(case_id=visit.case_id, visit_id=visit.id, kind=kind, due_at=DUE,
                   reason="test", assigned_to=assigned_to.id if assigned_to else None)
    session.add(row)
    session.flush()
    return row


def test_agents_see_their_own_and_dispatchers_their_teams_follow_ups(client, session):
    team, other = f.team(session), f.team(session)
    agent, dispatcher = f.user(session, "agent", team), f.user(session, "dispatcher", team)
    _, ours = f.case_with_visit(session, team_row=team)
    _, theirs = f.case_with_visit(session, team_row=other)
    mine = _follow_up(session, ours, "call", assigned_to=agent)
    team_task = _follow_up(session, ours, "review")
    _follow_up(session, theirs, "review")
    session.commit()

    as_agent = client.get("/api/v1/follow-ups", headers=bearer(login(client, agent.username)))
    as_dispatcher = client.get("/api/v1/follow-ups?kind=review&status=open",
                               headers=bearer(login(client, dispatcher.username)))

    assert [r["id"] for r in as_agent.get_json()] == [mine.id]
    assert [r["id"] for r in as_dispatcher.get_json()] == [team_task.id]


def test_completing_and_cancelling_close_a_follow_up_once(client, session):
    team = f.team(session)
    agent, dispatcher = f.user(session, "agent", team), f.user(session, "dispatcher", team)
    _, visit = f.case_with_visit(session, team_row=team)
    call, review = _follow_up(session, visit, "call", agent), _follow_up(session, visit, "review")
    session.commit()
    agent_token, dispatcher_token = (login(client, agent.username),
                                     login(client, dispatcher.username))

    done = client.post(f"/api/v1/follow-ups/{call.id}/complete", headers=bearer(agent_token),
                       json={"resolution": "debtor will pay Friday"})
    twice = client.post(f"/api/v1/follow-ups/{call.id}/complete", headers=bearer(agent_token),
                        json={"resolution": "again"})
    agent_cancel = client.post(f"/api/v1/follow-ups/{review.id}/cancel",
                               headers=bearer(agent_token), json={"reason": "x"})
    cancelled = client.post(f"/api/v1/follow-ups/{review.id}/cancel",
                            headers=bearer(dispatcher_token), json={"reason": "visit done"})
    empty = client.post(f"/api/v1/follow-ups/{review.id}/cancel",
                        headers=bearer(dispatcher_token), json={})

    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert twice.status_code == 409
    assert agent_cancel.status_code == 403
    assert cancelled.get_json()["status"] == "cancelled"
    assert empty.status_code == 422


def test_a_dispatcher_turns_a_revisit_into_a_planned_visit_at_the_home_address(client, session):
    team = f.team(session)
    dispatcher, agent = f.user(session, "dispatcher", team), f.user(session, "agent", team)
    _, visit = f.case_with_visit(session, team_row=team)
    revisit, call = _follow_up(session, visit), _follow_up(session, visit, "call")
    session.commit()
    token = login(client, dispatcher.username)
    on = (date.today() + timedelta(days=3)).isoformat()

    planned = client.post(f"/api/v1/follow-ups/{revisit.id}/visit", headers=bearer(token),
                          json={"on": on})
    not_revisit = client.post(f"/api/v1/follow-ups/{call.id}/visit", headers=bearer(token),
                              json={"on": on})
    by_agent = client.post(f"/api/v1/follow-ups/{call.id}/visit",
                           headers=bearer(login(client, agent.username)), json={"on": on})
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
    assert by_agent.status_code == 403
    assert unknown.status_code == 404
