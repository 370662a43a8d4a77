"""OWASP API3: what a caller sees and writes of an object it may reach, property by property."""

from __future__ import annotations

import pytest

from server.extensions import db
from server.models import VisitNote
from tests.integration.sync import facts
from tests.security import world as seed
from tests.security.matrix import ALLOWED, operations, request_for
from tests.support.api import bearer, login


@pytest.fixture
def seeded(app):
    with app.app_context():
        w = seed.build(app, db.session)
        db.session.commit()
    return w


@pytest.fixture
def ann(client, seeded):
    token = login(client, seeded.users["ann"], device_id=seeded.own.ids["device_id"])
    return {**bearer(token), "X-Device-Id": seeded.own.ids["device_id"]}


def test_a_collector_sees_no_full_national_id_nor_an_unrelated_partys_number(client, seeded,
                                                                              ann):
    spec = client.get("/api/openapi.json").get_json()
    national_id, reference_phone = "31010119900001", "1390001"
    bodies = []
    for method, path, op in operations(spec):
        if method == "GET" and "collector" in ALLOWED.get((method, path), ()):
            response = client.open(headers=ann, **request_for(method, path, op, seeded.own.ids))
            bodies.append(response.get_data(as_text=True))
    pull = client.get("/api/v1/sync/pull", headers=ann,
                      query_string={"last_pulled_at": "", "schema_version": 1})
    assert pull.status_code == 200, pull.get_json()
    sent = pull.get_json()["changes"]["parties"]
    parties = sent["created"] + sent["updated"]
    assert "310" in {p["national_id"][:3] for p in parties if p["national_id"]}
    for text in [*bodies, pull.get_data(as_text=True)]:
        assert national_id not in text
        assert reference_phone not in text


def test_a_collector_naming_another_user_in_a_body_gets_422(client, seeded, ann):
    follow_up = seeded.own.ids["follow_up_id"]
    response = client.post(f"/api/v1/follow-ups/{follow_up}/complete", headers=ann,
                           json={"resolution": "paid", "user_id": seeded.user_ids["pete"]})
    assert response.status_code == 422
    assert "user_id" in response.get_json()["errors"]


def test_a_dispatcher_cannot_move_a_visit_to_another_case_or_set_its_creator(client, seeded):
    headers = bearer(login(client, seeded.users["dora"]))
    visit = seeded.own.ids["visit_id"]
    response = client.patch(f"/api/v1/visits/{visit}", headers=headers,
                            json={"version": 1, "case_id": seeded.peer.ids["case_id"],
                                  "created_by": seeded.user_ids["adam"]})
    assert response.status_code == 422
    assert {"case_id", "created_by"} <= set(response.get_json()["errors"])


def test_a_user_cannot_raise_their_own_role(client, seeded, ann):
    for method in ("PATCH", "PUT", "POST"):
        response = client.open("/api/v1/users/me", method=method, headers=ann,
                               json={"role": "admin"})
        assert response.status_code == 405


def test_an_admin_creating_a_user_cannot_set_server_fields(client, seeded):
    headers = bearer(login(client, seeded.users["adam"]))
    response = client.post("/api/v1/users", headers=headers,
                           json={"username": "newbie", "password": "x" * 12, "role": "collector",
                                 "failed_logins": 0, "password_hash": "x"})
    assert response.status_code == 422
    assert {"failed_logins", "password_hash"} <= set(response.get_json()["errors"])


def test_a_pushed_fact_claiming_another_collector_is_stored_as_the_senders(app, client, seeded,
                                                                           ann):
    row = facts.note(seeded.own.ids["visit_id"], user_id=seeded.user_ids["pete"])
    response = client.post("/api/v1/sync/push", headers=ann,
                           json={"changes": {"visit_notes": {"created": [row]}}})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(VisitNote, row["id"]).user_id == seeded.user_ids["ann"]
