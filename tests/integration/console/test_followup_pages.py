"""The follow-up queue in the console: the API's scope, filters and paging, and its actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.models import AuditEvent, FollowUp, Visit
from tests.integration.console.conftest import csrf_of, sign_in
from tests.support import factories as f
from tests.support.clock import operation_today

DUE = datetime(2026, 3, 9, 4, tzinfo=UTC)


def _follow_up(session, visit, kind="review", assigned_to=None, due=DUE, reason="test"):
    row = FollowUp(case_id=visit.case_id, visit_id=visit.id, kind=kind, due_at=due,
                   reason=reason, assigned_to=assigned_to.id if assigned_to else None)
    session.add(row)
    session.flush()
    return row


def _team(session):
    team, other = f.team(session), f.team(session)
    collector, dispatcher = f.user(session, "collector", team), f.user(session, "dispatcher", team)
    _, ours = f.case_with_visit(session, team_row=team)
    _, theirs = f.case_with_visit(session, team_row=other)
    return collector, dispatcher, ours, theirs


def _post(console, path, **form):
    token = csrf_of(console.get("/console/follow-ups").get_data(as_text=True))
    return console.post(path, data={"csrf_token": token, **form})


def _shown(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('data-follow-up="')[1:]]


def test_a_dispatcher_sees_the_teams_follow_ups_filtered_and_the_list_is_audited(console,
                                                                                  session):
    collector, dispatcher, ours, theirs = _team(session)
    call = _follow_up(session, ours, "call", collector, reason="<script>x</script>")
    review = _follow_up(session, ours, "review", due=DUE + timedelta(days=3))
    _follow_up(session, theirs, "call")
    session.commit()
    sign_in(console, dispatcher.username)

    everything = console.get("/console/follow-ups").get_data(as_text=True)
    calls = console.get("/console/follow-ups?kind=call").get_data(as_text=True)
    due_early = console.get("/console/follow-ups?due_by=2026-03-10").get_data(as_text=True)

    assert _shown(everything) == [call.id, review.id]
    assert _shown(calls) == [call.id] and _shown(due_early) == [call.id]
    assert "<script>x" not in everything and "&lt;script&gt;x" in everything
    listed = session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "follow_up.list", AuditEvent.actor_id == dispatcher.id,
    ).order_by(AuditEvent.id)).all()
    assert [d["ids"] for d in listed] == [[call.id, review.id], [call.id], [call.id]]


def test_a_collector_sees_only_what_is_assigned_to_them_and_may_not_cancel(console, session):
    collector, _, ours, _ = _team(session)
    mine, team_task = _follow_up(session, ours, "call", collector), _follow_up(session, ours)
    session.commit()
    sign_in(console, collector.username)

    html = console.get("/console/follow-ups").get_data(as_text=True)
    cancel = _post(console, f"/console/follow-ups/{mine.id}/cancel", reason="no")

    assert _shown(html) == [mine.id] and team_task.id not in html
    assert 'name="reason"' not in html and cancel.status_code == 403


def test_completing_and_cancelling_close_a_follow_up_with_the_reason(console, session):
    collector, dispatcher, ours, _ = _team(session)
    call, review = _follow_up(session, ours, "call", collector), _follow_up(session, ours)
    session.commit()
    sign_in(console, dispatcher.username)

    blank = _post(console, f"/console/follow-ups/{call.id}/complete", resolution=" ")
    done = _post(console, f"/console/follow-ups/{call.id}/complete",
                 resolution="debtor will pay Friday", next="/console/follow-ups?kind=call")
    twice = _post(console, f"/console/follow-ups/{call.id}/complete", resolution="again")
    cancelled = _post(console, f"/console/follow-ups/{review.id}/cancel", reason="visit done",
                      next="https://evil.example/")

    assert blank.status_code == 422 and "resolution" in blank.get_data(as_text=True)
    assert done.status_code == 302 and done.location.endswith("/console/follow-ups?kind=call")
    assert twice.status_code == 409
    assert cancelled.status_code == 302 and cancelled.location.endswith("/console/follow-ups")
    session.expire_all()
    assert (session.get(FollowUp, call.id).status, session.get(FollowUp, review.id).status) \
        == ("done", "cancelled")
    assert session.get(FollowUp, review.id).resolution == "visit done"
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "follow_up", AuditEvent.action != "follow_up.list")).all()
    assert sorted(actions) == ["follow_up.cancel", "follow_up.complete"]


def test_another_teams_follow_up_is_not_found(console, session):
    _, dispatcher, _, theirs = _team(session)
    foreign = _follow_up(session, theirs, "call")
    session.commit()
    sign_in(console, dispatcher.username)

    answer = _post(console, f"/console/follow-ups/{foreign.id}/complete", resolution="x")

    assert answer.status_code == 404
    session.expire_all()
    assert session.get(FollowUp, foreign.id).status == "open"


def test_a_revisit_becomes_a_planned_visit_from_the_queue(console, session):
    _, dispatcher, ours, _ = _team(session)
    revisit = _follow_up(session, ours, "revisit")
    session.commit()
    sign_in(console, dispatcher.username)
    on = operation_today() + timedelta(days=2)

    answer = _post(console, f"/console/follow-ups/{revisit.id}/visit", on=on.isoformat())

    assert answer.status_code == 302
    planned = session.scalars(select(Visit).where(Visit.case_id == ours.case_id,
                                                  Visit.id != ours.id)).one()
    assert planned.scheduled_on == on and planned.status == "planned"


def test_the_queue_pages_fifty_at_a_time_and_bad_filters_are_a_422(console, session):
    _, dispatcher, ours, _ = _team(session)
    rows = [_follow_up(session, ours, due=DUE + timedelta(minutes=i)) for i in range(53)]
    session.commit()
    sign_in(console, dispatcher.username)

    first = console.get("/console/follow-ups").get_data(as_text=True)
    second = console.get("/console/follow-ups?page=2").get_data(as_text=True)

    assert _shown(first) == [r.id for r in rows[:50]] and 'rel="next"' in first
    assert _shown(second) == [r.id for r in rows[50:]] and 'rel="prev"' in second
    assert console.get("/console/follow-ups?kind=visit").status_code == 422
    assert console.get("/console/follow-ups?page=0").status_code == 422
    assert console.get("/console/follow-ups?due_by=soon").status_code == 422
