"""Auto-assign from the board: a preview that writes nothing, then accept (the API's service)."""

from __future__ import annotations

from sqlalchemy import func, select

from server.models import Visit, VisitAssignee
from tests.integration.console.conftest import csrf_of, sign_in
from tests.integration.dispatch.world import planned_visit, world


def _planned(session, w, n=3):
    visits = [planned_visit(session, w) for _ in range(n)]
    for visit in visits:
        visit.team_id = w.team.id
    session.commit()
    return [v.id for v in visits]


def _post(console, team, **form):
    token = csrf_of(console.get(f"/console/board?team={team}").get_data(as_text=True))
    return console.post("/console/auto-assign", data={"csrf_token": token, "team": team,
                                                      **form})


def test_the_preview_writes_nothing_and_accepting_assigns(console, session):
    w = world(session)
    ids = _planned(session, w)
    team = w.team.code
    sign_in(console, w.dispatcher.username)

    preview = _post(console, team)
    before = session.scalar(select(func.count()).select_from(VisitAssignee))
    accepted = _post(console, team, accept="1")

    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="accept"' in html
    assert all(i in html for i in ids)
    assert before == 0
    assert accepted.status_code == 302
    session.expire_all()
    assert {session.get(Visit, i).status for i in ids} == {"assigned"}


def test_collectors_may_not_auto_assign(console, session):
    w = world(session)
    _planned(session, w, 1)
    sign_in(console, w.collectors[0].username)
    token = csrf_of(console.get("/console/board").get_data(as_text=True))

    assert console.post("/console/auto-assign", data={"csrf_token": token}).status_code == 403
