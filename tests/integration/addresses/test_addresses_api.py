"""Staff look up and verify addresses of their agency's debtors; collectors only where they go."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Address, AuditEvent, VisitAssignee
from tests.integration.dispatch.world import placed_case, planned_visit, world
from tests.support import factories as f
from tests.support.api import bearer, login


def test_an_address_is_visible_to_its_agency_and_to_the_collector_sent_there(client, session):
    w, rival = world(session), world(session)
    visit = planned_visit(session, w)
    session.add(VisitAssignee(visit_id=visit.id, user_id=w.collectors[0].id))
    officer = f.user(session, "compliance")
    session.commit()
    url = f"/api/v1/addresses/{visit.address_id}"

    seen = {who.username: client.get(url, headers=bearer(login(client, who.username))).status_code
            for who in (w.dispatcher, w.collectors[0], w.collectors[1], rival.dispatcher, officer)}

    assert seen == {w.dispatcher.username: 200, w.collectors[0].username: 200,
                    w.collectors[1].username: 404, rival.dispatcher.username: 404,
                    officer.username: 200}


def test_addresses_are_listed_by_state_and_district(client, session):
    w = world(session)
    placed_case(session, w, state="failed", district="静安区")
    placed_case(session, w, state="failed", district="黄浦区")
    placed_case(session, w, state="geocoded", district="静安区")
    session.commit()
    token = login(client, w.dispatcher.username)

    response = client.get("/api/v1/addresses?state=failed&district=静安区", headers=bearer(token))
    bad = client.get("/api/v1/addresses?state=lost", headers=bearer(token))

    assert [(a["verification_state"], a["district"]) for a in response.get_json()] == [
        ("failed", "静安区")]
    assert response.headers["X-Pagination"]
    assert bad.status_code == 422


def test_a_dispatcher_verifies_by_hand_accepting_the_proposed_point_audited(client, session):
    w = world(session)
    _, address = placed_case(session, w, state="needs_reverification")
    address.proposed_lat, address.proposed_lng = 31.2400, 121.4900
    session.commit()
    token = login(client, w.dispatcher.username)
    url = f"/api/v1/addresses/{address.id}/verify"

    no_note = client.post(url, headers=bearer(token), json={"accept_proposed": True})
    response = client.post(url, headers=bearer(token),
                           json={"note": "called the debtor; moved next door",
                                 "accept_proposed": True})
    collector = client.post(url, headers=bearer(login(client, w.collectors[0].username)),
                        json={"note": "trust me"})

    assert no_note.status_code == 422 and "note" in no_note.get_json()["errors"]
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["verification_state"] == "field_verified"
    assert (body["lat"], body["lng"]) == (31.24, 121.49) and body["proposed_lat"] is None
    assert body["verification_note"] == "called the debtor; moved next door"
    assert collector.status_code == 403
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "address.verify")).one()
    assert event.object_id == address.id and event.detail["before"] == "needs_reverification"


def test_an_address_without_coordinates_needs_a_point_to_be_verified(client, session):
    w = world(session)
    _, address = placed_case(session, w, at=None, state="failed")
    session.commit()
    token = login(client, w.dispatcher.username)
    url = f"/api/v1/addresses/{address.id}/verify"

    refused = client.post(url, headers=bearer(token), json={"note": "looked on the map"})
    done = client.post(url, headers=bearer(token),
                       json={"note": "looked on the map", "lat": 31.23, "lng": 121.47})

    assert refused.status_code == 422
    assert done.get_json()["time_zone"] == "Asia/Shanghai"
    assert session.get(Address, address.id).geocoder == "manual"


def test_verifying_by_phone_never_promotes_a_district_centroid(client, session):
    w = world(session)
    _, centroid = placed_case(session, w, state="geocoded")
    centroid.precision, centroid.accuracy_m = "district", 3000.0
    _, house = placed_case(session, w, state="geocoded")
    session.commit()
    token = login(client, w.dispatcher.username)

    def verify(address, **point):
        return client.post(f"/api/v1/addresses/{address.id}/verify", headers=bearer(token),
                           json={"note": "the debtor confirmed by phone", **point})

    refused = verify(centroid)
    pointed = verify(centroid, lat=31.2311, lng=121.4701)
    confirmed = verify(house)

    assert refused.status_code == 422 and "lat" in refused.get_json()["errors"]
    assert "district" in refused.get_json()["message"]
    assert pointed.status_code == 200 and pointed.get_json()["precision"] == "building"
    assert confirmed.status_code == 200
    assert confirmed.get_json()["verification_state"] == "field_verified"
