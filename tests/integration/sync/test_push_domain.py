"""Every value the docs define is checked; implausible money is stored, flagged and set aside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.extensions import db
from server.facts.deferred import run_fact_effects
from server.models import (
    Account,
    AuditEvent,
    CheckIn,
    ContactAttempt,
    FactEffect,
    Payment,
    PaymentPromise,
    QuarantinedRecord,
    Violation,
    Visit,
)
from server.promises.monitor import run_promise_monitor
from tests.integration.sync import facts
from tests.integration.sync.conftest import push
from tests.support import factories
from tests.support.api import bearer, login

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3_600_000


def _account(app, case_id):
    with app.app_context():
        return db.session.scalar(select(Account.id).where(Account.case_id == case_id))


def _refs(app, world):
    visit = world.visits["ann"][0]
    return visit, world.cases[visit], _account(app, world.cases[visit])


def _payment(visit, case, account, **kw):
    return {"id": kw.pop("id", f"pay-{facts.now_ms()}-{len(kw)}"), "visit_id": visit,
            "case_id": case, "account_id": account, "amount": "100.00", "currency": "CNY",
            "method": "cash", "paid_at": facts.now_ms() - 60_000,
            "recorded_at": facts.now_ms() - 60_000, **kw}


def _days(n: int) -> str:
    return (datetime.now(UTC) + timedelta(days=n)).date().isoformat()


CASES = [  # (table, column, value)
    ("payment_promises", "amount", "-50"),
    ("payment_promises", "amount", "0.001"),
    ("payment_promises", "due_on", "2020-01-01"),
    ("payment_promises", "due_on", "1999-12-31"),
    ("payment_promises", "due_on", _days(400)),
    ("payment_promises", "currency", "cny"),
    ("payments", "amount", "-100"),
    ("payments", "amount", 0),
    ("payments", "method", "bitcoin"),
    ("payments", "paid_at", facts.now_ms() + 8 * HOUR),
    ("check_ins", "kind", "sideways"),
    ("check_ins", "lat", 391),
    ("check_ins", "lat", 95),
    ("check_ins", "lng", -181),
    ("check_ins", "accuracy_m", -1),
    ("check_ins", "recorded_at", facts.now_ms() + 8 * HOUR),
    ("check_ins", "recorded_at", "9999-12-31T12:00:00+00:00"),
    ("visit_outcomes", "code", "BOGUS_CODE"),
    ("visit_notes", "recorded_at", facts.now_ms() - 90 * 24 * HOUR),  # before the visit
    ("attachments", "sha256", "A" * 64),
    ("attachments", "kind", "video"),
    ("address_reports", "kind", "haunted"),
    ("consents", "method", "telepathy"),
]


def _row(app, world, table):
    visit, case, account = _refs(app, world)
    with app.app_context():
        address = db.session.get(Visit, visit).address_id
    return {
        "payment_promises": lambda: facts.promise(visit, case, account),
        "payments": lambda: _payment(visit, case, account),
        "check_ins": lambda: facts.check_in(visit, kind="out"),
        "visit_outcomes": lambda: facts.outcome(visit),
        "visit_notes": lambda: facts.note(visit),
        "attachments": lambda: {"id": f"at-{facts.now_ms()}", "visit_id": visit,
                                "sha256": "a" * 64, "kind": "photo",
                                "recorded_at": facts.now_ms()},
        "address_reports": lambda: {"id": f"ar-{facts.now_ms()}", "visit_id": visit,
                                    "address_id": address, "kind": "moved",
                                    "recorded_at": facts.now_ms()},
        "consents": lambda: {"id": f"cs-{facts.now_ms()}", "party_id": "p", "case_id": case,
                             "consent_text_id": "t", "kind": "recording", "method": "x",
                             "granted_at": facts.now_ms(), "recorded_at": facts.now_ms()},
    }[table]()


@pytest.mark.parametrize(("table", "column", "value"), CASES,
                         ids=[f"{t}.{c}={v!r}"[:60] for t, c, v in CASES])
def test_a_value_the_docs_forbid_is_quarantined_naming_the_column(app, client, world, table,
                                                                   column, value):
    good = facts.check_in(world.visits["ann"][0])
    bad = {**_row(app, world, table), column: value}
    changes = {"check_ins": {"created": [good]}}
    changes.setdefault(table, {"created": []})["created"].append(bad)
    body = push(client, world.tokens["ann"], changes)
    assert body["experimentalRejectedIds"] == {table: [bad["id"]]}
    with app.app_context():
        assert db.session.get(CheckIn, good["id"]) is not None
        record = db.session.scalar(select(QuarantinedRecord))
        assert record.reason == "bad_value" and column in record.errors, record.errors


def test_the_documented_values_themselves_are_stored(app, client, world):
    visit, case, account = _refs(app, world)
    rows = {"payment_promises": [facts.promise(visit, case, account, amount="0.01",
                                               due_on=_days(300))],
            "payments": [_payment(visit, case, account, method=m, id=f"pay-{m}")
                         for m in ("cash", "transfer", "qr")],
            "check_ins": [facts.check_in(visit, kind="out", lat=-90, lng=180)],
            "visit_outcomes": [facts.outcome(visit, code="DISTRESSED")]}
    body = push(client, world.tokens["ann"], {t: {"created": r} for t, r in rows.items()})
    assert body["experimentalRejectedIds"] == {}
    assert body["applied"] == {t: len(r) for t, r in rows.items()}


def test_a_bogus_outcome_does_not_complete_its_visit(app, client, world):
    visit = world.visits["ann"][0]
    push(client, world.tokens["ann"],
         {"visit_outcomes": {"created": [facts.outcome(visit, code="BOGUS_CODE")]}})
    with app.app_context():
        assert db.session.get(Visit, visit).status == "assigned"


def test_a_corrected_device_time_is_judged_not_the_raw_one(app, client, world):
    visit = world.visits["ann"][0]
    ahead = facts.now_ms() + 2 * HOUR  # the phone's clock runs two hours fast
    row = facts.check_in(visit, recorded_at=ahead)
    body = push(client, {**world.tokens["ann"], "X-Device-Time": str(ahead)},
                {"check_ins": {"created": [row]}})
    assert body["experimentalRejectedIds"] == {}


def test_a_bad_promise_never_supersedes_the_real_one(app, client, world):
    visit, case, account = _refs(app, world)
    real = facts.promise(visit, case, account, amount="1200.00")
    push(client, world.tokens["ann"], {"payment_promises": {"created": [real]}})
    bogus = facts.promise(visit, case, account, amount="-50", due_on="2020-01-01")
    body = push(client, world.tokens["ann"], {"payment_promises": {"created": [bogus]}})
    assert body["experimentalRejectedIds"] == {"payment_promises": [bogus["id"]]}
    with app.app_context():
        assert db.session.get(PaymentPromise, real["id"]).status == "active"
        assert db.session.get(PaymentPromise, bogus["id"]) is None
        errors = db.session.scalar(select(QuarantinedRecord.errors))
        assert {"amount", "due_on"} <= set(errors) or "amount" in errors


@pytest.fixture
def dispatcher(app, client, world):
    with app.app_context():
        from server.models import Team

        user = factories.user(db.session, role="dispatcher",
                              team_row=db.session.get(Team, world.team_id))
        outsider = factories.user(db.session, role="dispatcher", team_row=factories.team(
            db.session))
        db.session.commit()
        names = user.username, outsider.username
    return bearer(login(client, names[0])), bearer(login(client, names[1]))


def test_a_payment_above_the_balance_is_stored_flagged_and_keeps_no_promise_until_cleared(
        app, client, world, dispatcher):
    visit, case, account = _refs(app, world)
    promise = facts.promise(visit, case, account, amount="1000.00",
                            recorded_at=facts.now_ms() - 10 * 60_000)
    huge = _payment(visit, case, account, amount="99999999.00")
    body = push(client, world.tokens["ann"], {"payment_promises": {"created": [promise]},
                                              "payments": {"created": [huge]}})
    assert body["experimentalRejectedIds"] == {}
    with app.app_context():
        flag = db.session.get(Payment, huge["id"]).review_flag
        assert "above the account's balance 8000.00" in flag
        run_promise_monitor(db.session)
        db.session.commit()
        assert db.session.get(PaymentPromise, promise["id"]).status == "active"
    mine, outsider = dispatcher
    listed = client.get("/api/v1/review-flags", headers=mine).get_json()
    assert [(r["table_name"], r["id"]) for r in listed] == [("payments", huge["id"])]
    assert client.get("/api/v1/review-flags", headers=outsider).get_json() == []
    url = f"/api/v1/review-flags/payments/{huge['id']}/clear"
    assert client.post(url, json={"note": "x"}, headers=outsider).status_code == 404
    cleared = client.post(url, json={"note": "receipt checked: a house sale"}, headers=mine)
    assert cleared.status_code == 200 and cleared.get_json()["review_flag"] is None
    with app.app_context():
        run_promise_monitor(db.session)
        db.session.commit()
        assert db.session.get(PaymentPromise, promise["id"]).status == "kept"
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "review_flag.clear"))
        assert event.object_id == huge["id"] and "house sale" in event.detail["note"]


def test_a_promise_above_the_balance_is_flagged_and_set_aside_until_cleared(
        app, client, world, dispatcher):
    visit, case, account = _refs(app, world)
    real = facts.promise(visit, case, account, amount="1200.00",
                         recorded_at=facts.now_ms() - 10 * 60_000)
    big = facts.promise(visit, case, account, amount="50000.00")
    push(client, world.tokens["ann"], {"payment_promises": {"created": [real, big]}})
    stats = client.get("/api/v1/promises/stats", headers=dispatcher[0]).get_json()
    assert stats["collectors"][0]["active"] == 1  # the flagged one counts nowhere
    with app.app_context():
        status = dict(db.session.execute(select(PaymentPromise.id, PaymentPromise.status)).all())
        assert status == {real["id"]: "active", big["id"]: "active"}
        assert db.session.get(PaymentPromise, big["id"]).review_flag
    response = client.post(f"/api/v1/review-flags/payment_promises/{big['id']}/clear",
                           json={"note": "the debtor sold a flat"}, headers=dispatcher[0])
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(PaymentPromise, real["id"]).status == "superseded"
        assert db.session.get(PaymentPromise, big["id"]).status == "active"


def _local_ms(day_offset: int, hour: int, minute: int) -> int:
    day = (datetime.now(SHANGHAI) - timedelta(days=day_offset)).date()
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
    return int(at.timestamp() * 1000)


def test_a_check_in_dated_9999_12_31_does_not_switch_compliance_off(app, client, world):
    visit = world.visits["ann"][0]
    late = facts.check_in(visit, recorded_at=_local_ms(3, 22, 40))
    doomsday = facts.check_in(visit, recorded_at="9999-12-31T23:59:00+00:00")
    outcome = facts.outcome(visit, code="MET_DEBTOR", discussed_debt=True,
                            recorded_at=_local_ms(3, 22, 55))
    body = push(client, world.tokens["ann"], {"check_ins": {"created": [late, doomsday]},
                                              "visit_outcomes": {"created": [outcome]}})
    assert body["experimentalRejectedIds"] == {"check_ins": [doomsday["id"]]}
    with app.app_context():
        run_fact_effects(db.session)
        db.session.commit()
        rules = set(db.session.scalars(select(Violation.rule).where(Violation.visit_id == visit)))
        assert {"QUIET", "TWO_PERSON", "RECORDING"} <= rules
        assert db.session.scalar(select(ContactAttempt.id).where(
            ContactAttempt.source_id == outcome["id"])) is not None
        assert db.session.scalars(select(FactEffect)).all() == []
