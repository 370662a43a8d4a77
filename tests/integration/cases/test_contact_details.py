"""The debtor's new or corrected phone and address, a move and a third party's report: case
events whose effects reach the contact points and addresses every rule and phone reads."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Address, CaseEvent, ContactPoint
from tests.integration.cases.world import address_of, cases_world
from tests.integration.sync.conftest import pull
from tests.support.api import bearer, login


def _request(client, token, case_id, **body):
    return client.post(f"/api/v1/cases/{case_id}/requests", json=body, headers=bearer(token))


def test_a_corrected_phone_is_normalised_and_replaces_the_old_one(client, session):
    c = cases_world(session)
    case = c.cases[0]
    old = session.scalar(select(ContactPoint).where(ContactPoint.party_id == case.debtor_id))
    session.commit()

    response = _request(client, login(client, c.w.dispatcher.username), case.id,
                        kind="phone_reported", value="+86 139-0013-9999",
                        contact_point_id=old.id, via="phone")

    assert response.status_code == 201, response.get_json()
    detail = response.get_json()["event"]["detail"]
    session.expire_all()
    new = session.get(ContactPoint, detail["new_contact_point_id"])
    assert (new.party_id, new.value, new.valid) == (case.debtor_id, "13900139999", True)
    assert session.get(ContactPoint, old.id).valid is False and detail["replaced"] == old.id


def test_a_bad_number_or_a_foreign_one_is_a_422_naming_the_field(client, session):
    c = cases_world(session)
    foreign = session.scalar(select(ContactPoint).where(
        ContactPoint.party_id == c.cases[1].debtor_id))
    session.commit()
    token = login(client, c.w.dispatcher.username)

    bad = _request(client, token, c.cases[0].id, kind="phone_reported", value="1e+10")
    theirs = _request(client, token, c.cases[0].id, kind="phone_reported",
                      value="13900139999", contact_point_id=foreign.id)
    missing = _request(client, token, c.cases[0].id, kind="moved")

    assert bad.status_code == 422 and "value" in bad.get_json()["errors"]
    assert theirs.status_code == 422 and "contact_point_id" in theirs.get_json()["errors"]
    assert missing.status_code == 422 and "address_id" in missing.get_json()["errors"]
    assert session.scalar(select(CaseEvent)) is None


def test_a_move_marks_the_address_moved_adds_the_new_one_and_the_phone_pulls_both(
        client, session):
    c = cases_world(session)
    case = c.cases[0]
    home = address_of(session, case)
    session.commit()
    phone = {**bearer(login(client, c.w.collectors[0].username, device_id="phone-a")),
             "X-Device-Id": "phone-a"}
    first = pull(client, phone)

    response = _request(client, login(client, c.w.dispatcher.username), case.id, kind="moved",
                        address_id=home.id, value="上海市浦东新区世纪大道100号")

    assert response.status_code == 201, response.get_json()
    new_id = response.get_json()["event"]["detail"]["new_address_id"]
    session.expire_all()
    assert session.get(Address, home.id).verification_state == "moved"
    assert session.get(Address, new_id).party_id == case.debtor_id
    after = pull(client, phone, last=first["timestamp"])
    pulled = {a["id"]: a for a in after["changes"]["addresses"]["updated"]}
    assert pulled[home.id]["verification_state"] == "moved" and new_id in pulled


def test_a_corrected_address_and_a_third_party_report_are_on_the_timeline(client, session):
    c = cases_world(session)
    case = c.cases[0]
    home = address_of(session, case)
    session.commit()
    token = login(client, c.w.dispatcher.username)

    assert _request(client, token, case.id, kind="address_reported", address_id=home.id,
                    value="上海市黄浦区人民大道200号").status_code == 201
    assert _request(client, token, case.id, kind="third_party_report", via="door",
                    note="neighbour: moved to Suzhou in October").status_code == 201
    feed = client.get(f"/api/v1/cases/{case.id}/timeline?kind=request",
                      headers=bearer(token)).get_json()

    assert [(e["event"], e["info"]) for e in feed["entries"]] == [
        ("address_reported", None), ("third_party_report", "neighbour: moved to Suzhou in October")]
    session.expire_all()
    assert session.get(Address, home.id).verification_state == "needs_reverification"
