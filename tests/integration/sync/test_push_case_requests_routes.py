"""A request pushed from the phone that cancels a planned visit re-plans the collector's route,
as the same request recorded by staff does."""

from __future__ import annotations

from server.models import Visit
from server.routing import plan_routes
from tests.integration.routing.day import BUDGET, DAY, near, stops_of, team_day, visit
from tests.integration.sync import facts
from tests.integration.sync.conftest import push
from tests.support.api import bearer, login


def test_a_pushed_stop_visits_request_takes_the_visit_out_of_the_planned_route(
        app, client, session):
    t = team_day(session, collectors=1)
    collector = t.collectors[0]
    leaving = visit(session, t, [collector], at=near(700, 0))
    visit(session, t, [collector], at=near(-400, 0))
    plan_routes(session, DAY, team_id=t.team.id, budget=BUDGET)
    session.commit()
    assert leaving.id in {s.visit_id for s in stops_of(session, collector)}
    phone = {**bearer(login(client, collector.username, device_id="phone-r")),
             "X-Device-Id": "phone-r"}

    push(client, phone, {"case_requests": {"created": [{
        "id": "cr-route-1", "case_id": leaving.case_id, "kind": "stop_contact",
        "channel": "visit", "via": "door", "recorded_at": facts.now_ms() - 1000}]}})

    session.expire_all()
    assert session.get(Visit, leaving.id).status == "cancelled"
    assert [s.visit_id for s in stops_of(session, collector)] != []
    assert leaving.id not in {s.visit_id for s in stops_of(session, collector)}
