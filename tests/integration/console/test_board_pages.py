"""Today's board and assignment from the console: scoped, counted, checked by the rules."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from server.models import AuditEvent, Visit, VisitAssignee
from tests.integration.console.conftest import csrf_of, sign_in
from tests.integration.dispatch.world import planned_visit, world
from tests.support.clock import operation_today


def _visit(session, w, **kw):
    """A planned visit of the world's team."""
    visit = planned_visit(session, w, **kw)
    visit.team_id = w.team.id
    return visit


def _count(html: str, status: str) -> int:
    return int(re.search(rf'data-status="{status}">(\d+)<', html).group(1))


def _assign(console, visit, collectors, **overrides):
    page = console.get(f"/console/visits/{visit.id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf_of(page), "version": version, "collector": collectors,
            **{f"override:{rule}": reason for rule, reason in overrides.items()}}
    return console.post(f"/console/visits/{visit.id}", data=data)


def test_the_board_counts_a_teams_visits_by_status_and_filters_them(console, session):
    w = world(session)
    planned = [_visit(session, w) for _ in range(3)]
    _visit(session, w, on=operation_today() + timedelta(days=1))  # another day: not shown
    session.add(VisitAssignee(visit_id=planned[0].id, user_id=w.collectors[0].id))
    planned[0].status = "assigned"
    session.commit()
    sign_in(console, w.dispatcher.username)

    board = console.get(f"/console/board?team={w.team.code}").get_data(as_text=True)
    only = console.get(f"/console/board?team={w.team.code}&status=planned",
                       headers={"HX-Request": "true"}).get_data(as_text=True)

    assert _count(board, "all") == 3 and _count(board, "planned") == 2
    assert _count(board, "assigned") == 1
    assert board.count("<tr data-visit=") == 3
    assert only.count("<tr data-visit=") == 2 and "<html" not in only  # a fragment for htmx
    assert 'hx-trigger="every 30s"' in only
    listed = session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "visit.list").order_by(AuditEvent.id)).all()
    assert sorted(listed[0]["ids"]) == sorted(v.id for v in planned)


def test_a_collector_sees_only_their_own_visits_and_cannot_assign(console, session):
    w = world(session)
    mine, theirs = _visit(session, w), _visit(session, w)
    session.add(VisitAssignee(visit_id=mine.id, user_id=w.collectors[0].id))
    session.add(VisitAssignee(visit_id=theirs.id, user_id=w.collectors[1].id))
    mine.status = theirs.status = "assigned"
    session.commit()
    sign_in(console, w.collectors[0].username)

    board = console.get(f"/console/board?collector={w.collectors[1].id}").get_data(as_text=True)
    mine_only = console.get("/console/board").get_data(as_text=True)

    assert theirs.id not in board and theirs.id not in mine_only
    assert f'data-visit="{mine.id}"' in mine_only
    assert "/console/visits/" not in mine_only
    assert console.get(f"/console/visits/{mine.id}").status_code == 403


def test_a_dispatcher_of_another_agency_gets_a_404_for_the_visit(console, session):
    w, other = world(session), None
    visit = _visit(session, w)
    other = world(session)
    session.commit()
    sign_in(console, other.dispatcher.username)

    assert console.get(f"/console/visits/{visit.id}").status_code == 404
    assert console.get(f"/console/board?team={w.team.code}").status_code == 404


def test_one_collector_is_blocked_by_two_person_and_an_override_with_a_reason_assigns(
        console, session):
    w = world(session)
    visit = _visit(session, w)
    session.commit()
    sign_in(console, w.dispatcher.username)

    blocked = _assign(console, visit, [w.collectors[0].id])
    blank = _assign(console, visit, [w.collectors[0].id], TWO_PERSON="  ")
    done = _assign(console, visit, [w.collectors[0].id], TWO_PERSON="partner sick; sister present")

    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 422 and "TWO_PERSON" in html
    assert 'name="override:TWO_PERSON"' in html
    assert blank.status_code == 422
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "partner sick; sister present" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Visit, visit.id).status == "assigned"
    row = session.scalar(select(VisitAssignee).where(VisitAssignee.visit_id == visit.id))
    assert row.override_reason.startswith("TWO_PERSON: partner sick")
    assert session.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "visit.assign.override"))["overrides"] == {
        "TWO_PERSON": "partner sick; sister present"}


def test_two_collectors_pass_the_rules_without_an_override(console, session):
    w = world(session)
    visit = _visit(session, w)
    session.commit()
    sign_in(console, w.dispatcher.username)

    done = _assign(console, visit, [w.collectors[0].id, w.collectors[1].id])

    assert done.status_code == 200
    assert session.scalars(select(VisitAssignee.user_id).where(
        VisitAssignee.visit_id == visit.id)).all().__len__() == 2


def test_a_stale_form_is_a_409_and_changes_nothing(console, session):
    w = world(session)
    visit = _visit(session, w)
    session.commit()
    sign_in(console, w.dispatcher.username)
    page = console.get(f"/console/visits/{visit.id}").get_data(as_text=True)
    _assign(console, visit, [w.collectors[0].id, w.collectors[1].id])

    stale = console.post(f"/console/visits/{visit.id}", data={
        "csrf_token": csrf_of(page), "version": "1", "collector": [w.collectors[0].id]})

    assert stale.status_code == 409
    assert len(session.scalars(select(VisitAssignee).where(
        VisitAssignee.visit_id == visit.id, VisitAssignee.ended_at.is_(None))).all()) == 2
