"""Placement and recall (委外): lender operations move cases; agencies stop seeing them at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Case, Placement, Visit, VisitAssignee
from tests.integration.sync.conftest import pull
from tests.support import factories as f
from tests.support.api import bearer, login


@dataclass
class Agencies:
    case_id: str
    case_ref: str
    visit_id: str
    agency_b: str
    lena: dict
    dora: dict  # agency A's dispatcher
    dave: dict  # agency B's dispatcher
    ann: dict  # agency A's collector, with her phone


def _world(app, client) -> Agencies:
    with app.app_context():
        s = db.session
        lender = f.agency(s, kind="lender")
        team_a, team_b = f.team(s), f.team(s)
        ann = f.user(s, "collector", team_a)
        names = {"ann": ann.username, "dora": f.user(s, "dispatcher", team_a).username,
                 "dave": f.user(s, "dispatcher", team_b).username,
                 "lena": f.user(s, "lender_ops", agency_code=lender.code).username}
        case, visit = f.case_with_visit(s, lender=lender, collectors=[ann], team_row=team_a)
        agency_b = s.get(type(lender), team_b.agency_id).code
        s.commit()
        ids = (case.id, case.external_id, visit.id, agency_b)
    headers = {n: bearer(login(client, u, device_id="phone-ann" if n == "ann" else None))
               for n, u in names.items()}
    headers["ann"]["X-Device-Id"] = "phone-ann"
    return Agencies(*ids, headers["lena"], headers["dora"], headers["dave"], headers["ann"])


def test_a_recall_closes_the_agencys_work_and_its_phones_forget_the_case(app, client):
    w = _world(app, client)
    first = pull(client, w.ann)
    assert client.get(f"/api/v1/cases/{w.case_id}", headers=w.dora).status_code == 200
    response = client.post("/api/v1/placements/recall", headers=w.lena, json={
        "cases": [w.case_ref], "reason": "performance", "note": "no contact in 60 days"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["recalled"] == 1 and response.get_json()["visits"] == 1
    assert client.get(f"/api/v1/cases/{w.case_id}", headers=w.dora).status_code == 404
    gone = pull(client, w.ann, first["timestamp"])
    assert gone["changes"]["visits"]["deleted"] == [w.visit_id]
    assert gone["changes"]["cases"]["deleted"] == [w.case_id]
    with app.app_context():
        visit = db.session.get(Visit, w.visit_id)
        assert (visit.status, visit.cancel_reason) == (
            "cancelled", "recalled (performance): no contact in 60 days")
        assert db.session.scalar(select(VisitAssignee.ended_at)) is not None
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "placement.recall"))
        assert event.detail["case_ids"] == [w.case_id] and event.detail["reason"] == "performance"


def test_re_placing_moves_the_case_to_the_other_agency(app, client):
    w = _world(app, client)
    assert client.get(f"/api/v1/cases/{w.case_id}", headers=w.dave).status_code == 404
    response = client.post("/api/v1/placements/replace", headers=w.lena, json={
        "cases": [w.case_ref], "agency": w.agency_b, "reason": "complaint"})
    assert response.status_code == 200, response.get_json()
    assert client.get(f"/api/v1/cases/{w.case_id}", headers=w.dave).status_code == 200
    assert client.get(f"/api/v1/cases/{w.case_id}", headers=w.dora).status_code == 404
    with app.app_context():
        placements = db.session.scalars(select(Placement).where(
            Placement.case_id == w.case_id).order_by(Placement.placed_at)).all()
        assert [p.returned_at is None for p in placements] == [False, True]


def test_placing_a_case_placed_elsewhere_is_a_conflict_and_unknown_cases_are_named(app, client):
    w = _world(app, client)
    clash = client.post("/api/v1/placements", headers=w.lena,
                        json={"cases": [w.case_ref], "agency": w.agency_b})
    assert clash.status_code == 409 and "re-place" in clash.get_json()["errors"]["cases"][0]
    unknown = client.post("/api/v1/placements", headers=w.lena,
                          json={"cases": ["NOPE"], "agency": w.agency_b})
    assert unknown.status_code == 422 and "NOPE" in unknown.get_json()["errors"]["cases"][0]
    assert client.post("/api/v1/placements/recall", headers=w.dora, json={
        "cases": [w.case_ref], "reason": "performance"}).status_code == 403


def test_a_return_closes_the_case_and_a_new_placement_reopens_it(app, client):
    w = _world(app, client)
    client.post("/api/v1/placements/recall", headers=w.lena, json={
        "cases": [w.case_ref], "reason": "lender_decision", "return_case": True})
    with app.app_context():
        case = db.session.get(Case, w.case_id)
        assert case.status == "returned" and case.closed_at is not None
    placed = client.post("/api/v1/placements", headers=w.lena,
                         json={"cases": [w.case_ref], "agency": w.agency_b})
    assert placed.status_code == 200 and placed.get_json()["placed"] == 1
    assert client.get(f"/api/v1/cases/{w.case_id}", headers=w.dave).status_code == 200
