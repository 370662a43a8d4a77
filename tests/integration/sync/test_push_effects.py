"""A push's facts reach the rest of the system: compliance flags, promises, address checks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.extensions import db
from server.models import Account, Address, PaymentPromise, Violation, Visit
from tests.integration.sync import facts
from tests.integration.sync.conftest import push

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _ms(local: datetime) -> int:
    return int(local.replace(tzinfo=SHANGHAI).timestamp() * 1000)


def test_a_check_in_at_22_40_shanghai_is_kept_and_flagged(app, client, world):
    visit_id = world.visits["ann"][0]
    late = facts.check_in(visit_id, recorded_at=_ms(datetime(2026, 11, 20, 22, 40)))
    body = push(client, world.tokens["ann"], {"check_ins": {"created": [late],
                                                             "updated": [], "deleted": []}})
    assert body["experimentalRejectedIds"] == {}
    with app.app_context():
        rules = set(db.session.scalars(
            select(Violation.rule).where(Violation.fact_id == late["id"])))
    assert "QUIET" in rules


def test_a_one_person_visit_under_cn_is_flagged_once_the_outcome_arrives(app, client, world):
    visit_id = world.visits["ann"][0]
    at = _ms(datetime(2026, 11, 20, 10, 0))
    changes = {"check_ins": {"created": [facts.check_in(visit_id, recorded_at=at)],
                             "updated": [], "deleted": []},
               "visit_outcomes": {"created": [facts.outcome(visit_id, recorded_at=at + 60_000)],
                                  "updated": [], "deleted": []}}
    push(client, world.tokens["ann"], changes)
    push(client, world.tokens["ann"], changes)  # a replay flags nothing twice
    with app.app_context():
        found = db.session.scalars(select(Violation.rule).where(Violation.visit_id == visit_id))
        assert list(found).count("TWO_PERSON") == 1


def test_a_newer_promise_supersedes_the_active_one_on_the_account(app, client, world):
    visit_id = world.visits["ann"][0]
    case_id = world.cases[visit_id]
    with app.app_context():
        account_id = db.session.scalar(select(Account.id).where(Account.case_id == case_id))
    first = facts.promise(visit_id, case_id, account_id, recorded_at=facts.now_ms() - 60_000)
    second = facts.promise(visit_id, case_id, account_id, amount="800.00")
    for row in (first, second):
        push(client, world.tokens["ann"], {"payment_promises": {
            "created": [row], "updated": [], "deleted": []}})
    with app.app_context():
        status = dict(db.session.execute(select(PaymentPromise.id, PaymentPromise.status)).all())
    assert status == {first["id"]: "superseded", second["id"]: "active"}


def test_a_check_in_at_the_address_field_verifies_it(app, client, world):
    visit_id = world.visits["bob"][0]
    with app.app_context():
        address_id = db.session.get(Visit, visit_id).address_id
        address = db.session.get(Address, address_id)
        address.verification_state, address.accuracy_m = "geocoded", 30.0
        db.session.commit()
    near = facts.check_in(visit_id, lat=31.2305, lng=121.4738, accuracy_m=10.0)
    push(client, world.tokens["bob"], {"check_ins": {"created": [near], "updated": [],
                                                     "deleted": []}})
    with app.app_context():
        assert db.session.get(Address, address_id).verification_state == "field_verified"
