"""Offers made at the door and recorded on the phone: pushed once, each becomes the same pending
offer as one recorded through the API, decided by a person with the authority, and the phone
pulls what became of it."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    AuditEvent,
    OfferRequest,
    PaymentOffer,
    PaymentPromise,
    QuarantinedRecord,
    Team,
    VisitAssignee,
    utcnow,
)
from tests.integration.sync import facts
from tests.integration.sync.conftest import pull, push
from tests.support import factories
from tests.support.api import bearer, login
from tests.support.clock import operation_day

_n = itertools.count(1)


def _day(n: int) -> str:
    return operation_day(n).isoformat()


def _offer(world, name="ann", visit=0, **kw) -> dict:
    """An instalment plan of 7,000 on an account of 8,000 (12.5 % off), as a phone sends it."""
    visit_id = world.visits[name][visit]
    schedule = kw.pop("schedule", [{"due_on": _day(2), "amount": "1000.00"},
                                   {"due_on": _day(30), "amount": "6000.00"}])
    total = sum(float(line["amount"]) for line in schedule
                if isinstance(line, dict) and isinstance(line.get("amount"), str))
    return {"id": kw.pop("id", f"or-{next(_n)}"), "case_id": world.cases[visit_id],
            "visit_id": visit_id, "kind": "instalments", "amount": f"{total:.2f}",
            "schedule": json.dumps(schedule), "note": "pays after the harvest",
            "recorded_at": kw.pop("recorded_at", facts.now_ms() - 60_000), **kw}


def _changes(*rows):
    return {"offer_requests": {"created": list(rows), "updated": [], "deleted": []}}


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _quarantined(app, row_id):
    with app.app_context():
        return [(q.reason, q.errors) for q in db.session.scalars(
            select(QuarantinedRecord).where(QuarantinedRecord.row_id == row_id))]


@pytest.fixture
def staff(app, client, world):
    """A dispatcher of the collectors' team with an approval limit, and an admin."""
    with app.app_context():
        team = db.session.get(Team, world.team_id)
        names = [factories.user(db.session, "dispatcher", team).username,
                 factories.user(db.session, "admin").username]
        db.session.commit()
    dora, admin = (bearer(login(client, name)) for name in names)
    response = client.put("/api/v1/offers/approval-limits", headers=admin,
                          json={"role": "dispatcher", "max_discount_pct": "15",
                                "max_instalments": 6})
    assert response.status_code == 200, response.get_json()
    return {"dora": dora, "admin": admin}


def test_a_pushed_offer_is_a_pending_offer_the_dispatcher_sees_audited(
        app, client, world, staff):
    row = _offer(world)

    answer = push(client, world.tokens["ann"], _changes(row))

    assert answer["experimentalRejectedIds"] == {}
    listed = client.get("/api/v1/offers", headers=staff["dora"]).get_json()
    assert len(listed) == 1
    offer = listed[0]
    assert (offer["status"], offer["kind"], offer["balance"], offer["amount"],
            offer["discount"], offer["visit_id"], offer["proposed_by"]) == (
        "pending", "instalments", "8000.00", "7000.00", "1000.00", row["visit_id"],
        world.collectors["ann"])
    assert offer["schedule"] == [{"due_on": _day(2), "amount": "1000.00"},
                                 {"due_on": _day(30), "amount": "6000.00"}]
    with app.app_context():
        assert db.session.get(OfferRequest, row["id"]).offer_id == offer["id"]
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == offer["id"]))
        assert (audit.action, audit.actor_id) == ("offer.create", world.collectors["ann"])
        assert (audit.detail["fact_id"], audit.detail["device_id"]) == (row["id"], "phone-ann")


def test_a_replayed_offer_creates_no_second_offer_and_a_changed_one_is_quarantined(
        app, client, world, staff):
    row = _offer(world)
    push(client, world.tokens["ann"], _changes(row))

    replay = push(client, world.tokens["ann"], _changes(row))
    twice = push(client, world.tokens["ann"], _changes(row, row))
    changed = push(client, world.tokens["ann"], _changes({**row, "note": "something else"}))

    assert replay["experimentalRejectedIds"] == {} and twice["experimentalRejectedIds"] == {}
    assert changed["experimentalRejectedIds"] == {"offer_requests": [row["id"]]}
    assert [reason for reason, _ in _quarantined(app, row["id"])] == ["id_conflict"]
    assert _count(app, PaymentOffer) == 1 and _count(app, OfferRequest) == 1
    assert _count(app, AuditEvent, AuditEvent.action == "offer.create") == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "6999.00"}, "amount"),  # not the schedule's total
    ({"amount": "0"}, "amount"),
    ({"kind": "haircut"}, "kind"),
    ({"note": ""}, "note"),
    ({"schedule": "[]"}, "schedule"),
    ({"schedule": "not json"}, "schedule"),
    ({"schedule": json.dumps({"due_on": _day(2), "amount": "7000.00"})}, "schedule"),
    ({"schedule": json.dumps([{"due_on": "2026-13-45", "amount": "7000.00"}])}, "schedule"),
    ({"schedule": json.dumps([{"due_on": _day(2), "amount": "-5"}])}, "schedule"),
    ({"schedule": json.dumps([{"due_on": _day(2), "amount": True}])}, "schedule"),
    ({"schedule": json.dumps([{"due_on": _day(2), "amount": "1", "extra": 1}])}, "schedule"),
    ({"schedule": json.dumps([{"due_on": _day(2), "amount": "1"}] * 61)}, "schedule"),
    # what the offer service refuses once the row is decoded (the balance, the dates, the kind)
    ({"kind": "settlement", "amount": "9000.00",
      "schedule": json.dumps([{"due_on": _day(3), "amount": "9000.00"}])}, "schedule"),
    ({"kind": "settlement", "amount": "100.00",
      "schedule": json.dumps([{"due_on": _day(-1), "amount": "100.00"}])}, "schedule"),
    ({"amount": "100.00", "schedule": json.dumps([{"due_on": _day(3), "amount": "100.00"}])},
     "schedule"),  # a one-line instalment plan
    ({"amount": "2.00", "schedule": json.dumps([{"due_on": _day(4), "amount": "1"},
                                                {"due_on": _day(4), "amount": "1"}])},
     "schedule"),  # two lines on one day
])
def test_a_bad_offer_is_quarantined_naming_the_field_and_makes_no_offer(
        app, client, world, change, field):
    row = _offer(world, **change)
    good = _offer(world, visit=1)

    answer = push(client, world.tokens["ann"], _changes(row, good))

    assert answer["experimentalRejectedIds"] == {"offer_requests": [row["id"]]}
    [(reason, errors)] = _quarantined(app, row["id"])
    assert reason == "bad_value" and field in errors, errors
    assert _count(app, OfferRequest, OfferRequest.id == row["id"]) == 0
    with app.app_context():
        assert db.session.scalars(select(PaymentOffer.case_id)).all() == [good["case_id"]]
        assert db.session.get(OfferRequest, good["id"]).offer_id is not None


def test_an_offer_on_another_collectors_visit_is_refused(app, client, world):
    theirs = _offer(world, name="bob")
    mixed = {**_offer(world), "visit_id": world.visits["bob"][0]}  # ann's case, bob's visit

    answer = push(client, world.tokens["ann"], _changes(theirs, mixed))

    assert sorted(answer["experimentalRejectedIds"]["offer_requests"]) == sorted(
        [theirs["id"], mixed["id"]])
    for row in (theirs, mixed):
        [(reason, errors)] = _quarantined(app, row["id"])
        assert reason == "not_your_case" and "visit_id" in errors
    assert _count(app, PaymentOffer) == 0 and _count(app, OfferRequest) == 0


def test_an_offer_made_before_a_reassignment_is_quarantined_not_proposed(app, client, world):
    row = _offer(world, recorded_at=facts.now_ms() - 3_600_000)
    with app.app_context():
        assignee = db.session.scalar(select(VisitAssignee).where(
            VisitAssignee.visit_id == row["visit_id"]))
        assignee.ended_at = utcnow() - timedelta(minutes=5)  # after the offer was made
        db.session.commit()

    answer = push(client, world.tokens["ann"], _changes(row))

    assert answer["experimentalRejectedIds"] == {"offer_requests": [row["id"]]}
    [(reason, errors)] = _quarantined(app, row["id"])
    assert reason == "not_your_case" and "case_id" in errors
    assert _count(app, PaymentOffer) == 0


def test_an_approved_offer_reaches_the_phone_with_its_schedule_and_promises(
        app, client, world, staff):
    first = pull(client, world.tokens["ann"])
    assert first["changes"]["payment_offers"] == {"created": [], "updated": [], "deleted": []}
    row = _offer(world)
    push(client, world.tokens["ann"], _changes(row), last=first["timestamp"])
    pending = pull(client, world.tokens["ann"], last=first["timestamp"])
    [offer] = pending["changes"]["payment_offers"]["created"] + pending[
        "changes"]["payment_offers"]["updated"]
    assert offer["status"] == "pending" and offer["discount"] == "1000.00"
    pulled = pending["changes"]["offer_requests"]
    assert [r["offer_id"] for r in pulled["created"] + pulled["updated"]] == [offer["id"]]

    approved = client.post(f"/api/v1/offers/{offer['id']}/approve", headers=staff["dora"],
                           json={"note": "ok"})
    assert approved.status_code == 200, approved.get_json()
    after = pull(client, world.tokens["ann"], last=pending["timestamp"])

    [seen] = after["changes"]["payment_offers"]["updated"]
    assert (seen["id"], seen["status"], seen["decision_note"]) == (offer["id"], "approved", "ok")
    assert json.loads(seen["schedule"]) == [{"amount": "1000.00", "due_on": _day(2)},
                                            {"amount": "6000.00", "due_on": _day(30)}]
    promises = after["changes"]["payment_promises"]
    assert {p["id"] for p in promises["created"] + promises["updated"]} == set(
        json.loads(seen["promise_ids"]))
    assert _count(app, PaymentPromise, PaymentPromise.status == "active") == 2


def test_a_refused_offer_reaches_the_phone_and_the_proposer_cannot_approve_it(
        app, client, world, staff):
    first = pull(client, world.tokens["ann"])
    push(client, world.tokens["ann"], _changes(_offer(world)), last=first["timestamp"])
    [offer] = client.get("/api/v1/offers", headers=staff["dora"]).get_json()

    assert client.post(f"/api/v1/offers/{offer['id']}/approve",
                       headers=world.tokens["ann"]).status_code == 403  # collectors never
    refused = client.post(f"/api/v1/offers/{offer['id']}/refuse", headers=staff["dora"],
                          json={"reason": "discount too deep"})
    assert refused.status_code == 200, refused.get_json()
    after = pull(client, world.tokens["ann"], last=first["timestamp"])

    rows = after["changes"]["payment_offers"]
    assert [(r["status"], r["decision_note"]) for r in rows["created"] + rows["updated"]] == [
        ("refused", "discount too deep")]
    assert _count(app, PaymentPromise) == 0


def test_another_collector_never_pulls_the_offer(app, client, world):
    push(client, world.tokens["ann"], _changes(_offer(world)))

    theirs = pull(client, world.tokens["bob"])

    for table in ("payment_offers", "offer_requests"):
        assert theirs["changes"][table] == {"created": [], "updated": [], "deleted": []}


def test_a_device_may_not_change_an_offer(app, client, world, staff):
    push(client, world.tokens["ann"], _changes(_offer(world)))
    first = pull(client, world.tokens["ann"])
    rows = first["changes"]["payment_offers"]
    [offer] = rows["created"] + rows["updated"]

    answer = push(client, world.tokens["ann"],
                  {"payment_offers": {"created": [{**offer, "id": "made-up"}],
                                      "updated": [{**offer, "status": "approved"}]}},
                  last=first["timestamp"])

    assert sorted(answer["experimentalRejectedIds"]["payment_offers"]) == sorted(
        ["made-up", offer["id"]])
    with app.app_context():
        assert db.session.get(PaymentOffer, offer["id"]).status == "pending"
        assert db.session.get(PaymentOffer, "made-up") is None


def test_an_app_on_schema_2_never_sees_the_offer_tables_until_its_migration_pull(
        app, client, world):
    row = _offer(world)
    push(client, world.tokens["ann"], _changes(row))

    old = pull(client, world.tokens["ann"], schema_version=2)
    migration = {"from": 2, "tables": ["offer_requests", "payment_offers"], "columns": []}
    migrated = pull(client, world.tokens["ann"], last=old["timestamp"], schema_version=3,
                    migration=json.dumps(migration))

    assert "offer_requests" not in old["changes"] and "payment_offers" not in old["changes"]
    assert [r["id"] for r in migrated["changes"]["offer_requests"]["updated"]] == [row["id"]]
    assert len(migrated["changes"]["payment_offers"]["updated"]) == 1
