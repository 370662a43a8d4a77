"""Geocoding stores a WGS-84 point with its precision and time zone, and fails honestly."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Address
from tests.integration.dispatch.world import placed_case, world
from tests.support.api import bearer, login
from tests.unit.geo.standin import StandIn
from tests.unit.geo.test_providers import nominatim_place


def _unverified(session, w, raw, city="上海市"):
    _, address = placed_case(session, w, at=None, state="unverified")
    address.raw_text, address.city, address.district = raw, city, None
    session.flush()
    return address


def _geocode(client, w, **body):
    token = login(client, w.dispatcher.username)
    return client.post("/api/v1/addresses/geocode", headers=bearer(token), json=body)


def test_the_offline_geocoder_sets_point_precision_district_and_time_zone(client, session):
    w = world(session)
    address = _unverified(session, w, "黄浦区人民大道200号")
    session.commit()

    response = _geocode(client, w, address_ids=[address.id])

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["geocoded"] == 1
    session.expire_all()
    row = session.get(Address, address.id)
    assert row.verification_state == "geocoded" and row.precision == "district"
    assert row.district == "黄浦区" and row.time_zone == "Asia/Shanghai"
    assert row.geocoder == "offline" and row.accuracy_m > 1000
    assert abs(row.lat - 31.23) < 0.05 and abs(row.lng - 121.48) < 0.05


def test_ambiguous_unknown_and_city_only_addresses_fail_with_a_reason(client, session):
    w = world(session)
    twice = _unverified(session, w, "朝阳区建国路88号", city=None)
    nowhere = _unverified(session, w, "火星基地一号", city=None)
    vague = _unverified(session, w, "上海市某某小区")
    session.commit()

    body = _geocode(client, w, address_ids=[twice.id, nowhere.id, vague.id]).get_json()

    assert body["failed"] == 3
    session.expire_all()
    notes = {a.id: a.verification_note for a in session.scalars(select(Address))}
    assert "北京市朝阳区" in notes[twice.id] and "长春市朝阳区" in notes[twice.id]
    assert notes[nowhere.id] == "the geocoder knows no such place"
    assert notes[vague.id].startswith("located only to the city")
    assert session.get(Address, vague.id).lat is None


def test_a_batch_by_state_respects_the_limit_and_skips_what_may_not_be_regeocoded(
        client, session):
    w = world(session)
    waiting = [_unverified(session, w, "上海市静安区南京西路1号") for _ in range(3)]
    _, verified = placed_case(session, w, state="field_verified")
    session.commit()

    batch = _geocode(client, w, state="unverified", limit=2).get_json()
    again = _geocode(client, w, address_ids=[verified.id]).get_json()

    assert batch["processed"] == 2 and batch["geocoded"] == 2
    assert sorted(r["address_id"] for r in batch["results"]) == sorted(a.id for a in waiting)[:2]
    assert again["skipped"] == 1
    assert again["results"][0]["reason"] == "not geocoded: the address is field_verified"


def test_collectors_may_not_geocode_and_unknown_ids_are_not_found(client, session):
    w, rival = world(session), world(session)
    _, theirs = placed_case(session, rival, at=None, state="unverified")
    session.commit()

    collector = client.post("/api/v1/addresses/geocode", json={},
                        headers=bearer(login(client, w.collectors[0].username)))
    foreign = _geocode(client, w, address_ids=[theirs.id])
    too_many = _geocode(client, w, limit=5000)

    assert collector.status_code == 403
    assert foreign.status_code == 404
    assert too_many.status_code == 422 and "limit" in too_many.get_json()["errors"]


def test_a_self_hosted_nominatim_answer_is_stored_with_building_precision(
        app, client, session, monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    server = StandIn({"/search": lambda p: (200, [nominatim_place(31.2312, 121.4733)])}).start()
    for key, value in {"GEOCODER": "nominatim", "GEOCODER_DOMAIN": server.domain,
                       "GEOCODER_SCHEME": "http", "GEOCODER_MIN_DELAY_S": 0.0}.items():
        monkeypatch.setitem(app.config, key, value)
    w = world(session)
    address = _unverified(session, w, "上海市黄浦区人民大道200号")
    session.commit()

    try:
        response = _geocode(client, w, address_ids=[address.id])
    finally:
        server.stop()

    assert response.get_json()["results"][0]["precision"] == "building"
    session.expire_all()
    row = session.get(Address, address.id)
    assert (row.lat, row.lng, row.accuracy_m) == (31.2312, 121.4733, 50)
    assert row.geocoder == "geopy:nominatim"
    assert server.hits[0].params["q"] == "上海市黄浦区人民大道200号"


def test_the_cli_geocodes_every_unverified_address_with_a_summary(runner, session):
    w = world(session)
    for _ in range(3):
        _unverified(session, w, "上海市静安区南京西路1号")
    _unverified(session, w, "朝阳区建国路88号", city=None)
    session.commit()

    result = runner.invoke(args=["addresses", "geocode", "--all-unverified"])

    assert result.exit_code == 0, result.output
    assert "4 address(es): 3 geocoded, 1 failed, 0 skipped" in result.output
    session.expire_all()
    states = sorted(session.scalars(select(Address.verification_state)))
    assert states == ["failed", "geocoded", "geocoded", "geocoded"]
