"""Offers at the door: recorded as made, approved within a person's limit, plans become promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from server.compliance.profile_store import seed_profiles
from server.extensions import db
from server.models import Address, AuditEvent, Case, PaymentOffer, PaymentPromise, utcnow
from server.promises.monitor import run_promise_monitor
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_today


@dataclass
class World:
    case_id: str
    other_case: str
    account_id: str
    other_account: str
    visit_id: str
    dora_name: str
    ann: dict
    dora: dict
    dan: dict
    dave: dict
    admin: dict


def _world(app, client) -> World:
    with app.app_context():
        s = db.session
        seed_profiles(s)
        agency = f.agency(s)
        team, other_team = f.team(s, agency), f.team(s)
        ann = f.user(s, "collector", team)
        dora, dan = f.user(s, "dispatcher", team), f.user(s, "dispatcher", team)
        dave = f.user(s, "dispatcher", other_team)
        admin = f.user(s, "admin")
        case, visit = f.case_with_visit(s, collectors=[ann])
        s.get(Address, visit.address_id).time_zone = "Asia/Shanghai"
        other, _ = f.case_with_visit(s, collectors=[ann])
        names = [u.username for u in (ann, dora, dan, dave, admin)]
        ids = (case.id, other.id, f.account_of(s, case).id, f.account_of(s, other).id, visit.id)
        s.commit()
    heads = [bearer(login(client, name)) for name in names]
    return World(*ids, names[1], *heads)


def _day(n: int) -> str:
    return (operation_today() + timedelta(days=n)).isoformat()


def _offer(client, w, headers=None, **body):
    body = {"kind": "instalments", "schedule": [
        {"due_on": _day(2), "amount": "1000.00"}, {"due_on": _day(40), "amount": "1000.00"},
        {"due_on": _day(70), "amount": "5000.00"}], **body}
    return client.post(f"/api/v1/cases/{w.case_id}/offers", headers=headers or w.ann, json=body)


def _limit(client, w, **body):
    response = client.put("/api/v1/offers/approval-limits", headers=w.admin,
                          json={"max_discount_pct": "10", "max_instalments": 3, **body})
    assert response.status_code == 200, response.get_json()


def test_an_offer_is_recorded_as_made_and_audited(app, client):
    w = _world(app, client)
    response = _offer(client, w, visit_id=w.visit_id, note="pays after the harvest")
    assert response.status_code == 201, response.get_json()
    offer = response.get_json()
    assert (offer["status"], offer["balance"], offer["amount"], offer["discount"]) == (
        "pending", "8000.00", "7000.00", "1000.00")
    assert [line["amount"] for line in offer["schedule"]] == ["1000.00", "1000.00", "5000.00"]
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.object_id == offer["id"])) == "offer.create"


@pytest.mark.parametrize(("change", "field"), [
    ({"schedule": [{"due_on": _day(3), "amount": "9000.00"}], "kind": "settlement"}, "schedule"),
    ({"schedule": [{"due_on": _day(-1), "amount": "100.00"}], "kind": "settlement"}, "schedule"),
    ({"schedule": [{"due_on": _day(3), "amount": "100.00"}]}, "schedule"),  # 1-line plan
    ({"schedule": [{"due_on": _day(3), "amount": "-5"}]}, "schedule"),
    ({"schedule": [{"due_on": _day(9), "amount": "1"}, {"due_on": _day(4), "amount": "1"},
                   {"due_on": _day(4), "amount": "1"}]}, "schedule"),
    ({"schedule": []}, "schedule"),
    ({"kind": "haircut"}, "kind"),
    ({"note": "x\u0000" * 300}, "note"),
    ({"account_id": "nope"}, "account_id"),
    ({"visit_id": "nope"}, "visit_id"),
])
def test_a_bad_offer_is_a_422_naming_the_field(app, client, change, field):
    w = _world(app, client)
    response = _offer(client, w, **change)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_another_agency_never_sees_the_case_or_its_offers(app, client):
    w = _world(app, client)
    assert _offer(client, w, headers=w.dave).status_code == 404
    offer = _offer(client, w).get_json()
    assert client.post(f"/api/v1/offers/{offer['id']}/refuse", headers=w.dave,
                       json={"reason": "no"}).status_code == 404
    assert client.get("/api/v1/offers", headers=w.dave).get_json() == []
    assert [o["id"] for o in client.get("/api/v1/offers", headers=w.dora).get_json()] == [
        offer["id"]]


def test_approval_needs_a_limit_that_covers_the_discount(app, client):
    w = _world(app, client)
    offer = _offer(client, w, kind="settlement",
                   schedule=[{"due_on": _day(5), "amount": "6000.00"}]).get_json()  # 25% off
    url = f"/api/v1/offers/{offer['id']}/approve"
    none = client.post(url, headers=w.dora, json={})
    assert none.status_code == 403 and "limit" in none.get_json()["errors"]
    _limit(client, w, role="dispatcher")
    beyond = client.post(url, headers=w.dora, json={})
    assert beyond.status_code == 403 and "discount" in beyond.get_json()["errors"]
    _limit(client, w, user=w.dora_name, max_discount_pct="30")  # her own limit wins
    response = client.post(url, headers=w.dora, json={"note": "hardship, checked"})
    assert response.status_code == 200, response.get_json()
    approved = response.get_json()
    assert approved["status"] == "approved" and len(approved["promise_ids"]) == 1
    assert client.post(url, headers=w.dora, json={}).status_code == 409
    with app.app_context():
        promise = db.session.get(PaymentPromise, approved["promise_ids"][0])
        assert (promise.amount, promise.due_on.isoformat(), promise.status) == (
            Decimal("6000.00"), _day(5), "active")
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type.in_(("payment_offer", "approval_limit")))))
        assert {"offer.approve", "approval_limit.set"} <= actions


def test_the_plan_needs_enough_instalments_in_the_limit_and_another_person(app, client):
    w = _world(app, client)
    _limit(client, w, role="dispatcher", max_discount_pct="20", max_instalments=2)
    offer = _offer(client, w).get_json()  # three lines
    url = f"/api/v1/offers/{offer['id']}/approve"
    many = client.post(url, headers=w.dora, json={})
    assert many.status_code == 403 and "schedule" in many.get_json()["errors"]
    mine = _offer(client, w, headers=w.dora,
                  schedule=[{"due_on": _day(2), "amount": "4000.00"},
                            {"due_on": _day(9), "amount": "4000.00"}]).get_json()
    own = client.post(f"/api/v1/offers/{mine['id']}/approve", headers=w.dora, json={})
    assert own.status_code == 403
    assert client.post(f"/api/v1/offers/{mine['id']}/approve", headers=w.dan,
                       json={}).status_code == 200
    refused = client.post(f"/api/v1/offers/{offer['id']}/refuse", headers=w.dan, json={})
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    refused = client.post(f"/api/v1/offers/{offer['id']}/refuse", headers=w.dan,
                          json={"reason": "the debtor can pay more"})
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    with app.app_context():
        assert db.session.get(PaymentOffer, offer["id"]).promise_ids == []


def test_an_approved_plans_instalments_are_promises_the_monitor_judges(app, client):
    w = _world(app, client)
    _limit(client, w, role="dispatcher", max_discount_pct="15")
    with app.app_context():
        earlier = f.promise(db.session, _case(w), "500.00", operation_today() + timedelta(days=3),
                            utcnow() - timedelta(hours=1))
        db.session.commit()
        earlier_id = earlier.id
    offer = _offer(client, w).get_json()
    approved = client.post(f"/api/v1/offers/{offer['id']}/approve", headers=w.dora, json={})
    assert approved.status_code == 200, approved.get_json()
    first, second, third = approved.get_json()["promise_ids"]
    with app.app_context():
        s = db.session
        amounts = [s.get(PaymentPromise, i).amount for i in (first, second, third)]
        assert amounts == [Decimal("1000.00"), Decimal("2000.00"), Decimal("7000.00")]
        assert s.get(PaymentPromise, earlier_id).status == "superseded"
        f.payment(s, _case(w), "1000.00", utcnow() + timedelta(days=1), method="transfer")
        s.commit()
        run_promise_monitor(s, now=utcnow() + timedelta(days=10))
        s.commit()
        s.expire_all()
        statuses = [s.get(PaymentPromise, i).status for i in (first, second, third)]
    assert statuses == ["kept", "active", "active"]


def _case(w):
    return db.session.get(Case, w.case_id)
