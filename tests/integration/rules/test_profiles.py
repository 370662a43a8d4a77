"""Rule profiles in the database: seeded once, edited with versions and audit, merged per case."""

from __future__ import annotations

from sqlalchemy import func, select

from server.compliance.effective import effective_profile
from server.compliance.profile_store import seed_profiles
from server.models import AuditEvent, Placement, RuleProfile, RuleProfileVersion
from tests.support import factories as f
from tests.support.api import bearer, login


def _officer(session, role="compliance"):
    row = f.user(session, role)
    return row


def test_flask_rules_seed_stores_every_seeded_profile_once(runner, session):
    first = runner.invoke(args=["rules", "seed"])
    second = runner.invoke(args=["rules", "seed"])
    assert "seeded 5" in first.output
    assert "none (all present)" in second.output
    codes = set(session.scalars(select(RuleProfile.code)))
    assert codes == {"CN", "US", "US-MA", "IN", "UK"}
    assert session.scalar(select(func.count()).select_from(RuleProfileVersion)) == 5


def test_editing_a_profile_makes_a_new_version_and_an_audit_event(client, session):
    seed_profiles(session)
    officer = _officer(session)
    session.commit()
    token = login(client, officer.username)
    current = client.get("/api/v1/compliance/profiles/CN", headers=bearer(token)).get_json()
    params = {**current["params"], "quiet_hours": [["21:30", "08:00"]]}

    response = client.put("/api/v1/compliance/profiles/CN", headers=bearer(token),
                          json={"params": params, "reason": "lender policy 2026-03", "version": 1})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 2
    detail = client.get("/api/v1/compliance/profiles/CN", headers=bearer(token)).get_json()
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][0]["reason"] == "lender policy 2026-03"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "rules.profile_updated"))
    assert event.actor_id == officer.id and event.detail["changed"] == ["quiet_hours"]


def test_bad_parameters_are_refused_with_every_field_named(client, session):
    seed_profiles(session)
    officer = _officer(session)
    session.commit()
    token = login(client, officer.username)
    params = _get(client, token, "CN")["params"]
    params.update(two_person_min=0, quiet_hours="late", bogus=1)
    del params["notice_hours"]

    response = client.put("/api/v1/compliance/profiles/CN", headers=bearer(token),
                          json={"params": params, "reason": "typo"})

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"two_person_min", "quiet_hours", "bogus",
                                                  "notice_hours"}
    assert session.scalar(select(RuleProfile.version).where(RuleProfile.code == "CN")) == 1


def test_a_stale_version_is_a_conflict(client, session):
    seed_profiles(session)
    officer = _officer(session)
    session.commit()
    token = login(client, officer.username)
    params = _get(client, token, "US")["params"]
    response = client.put("/api/v1/compliance/profiles/US", headers=bearer(token),
                          json={"params": params, "reason": "no change", "version": 7})
    assert response.status_code == 409


def test_collectors_and_dispatchers_cannot_touch_compliance_data(client, session):
    collector, dispatcher = f.user(session, "collector"), f.user(session, "dispatcher")
    session.commit()
    collector_token = login(client, collector.username)
    dispatcher_token = login(client, dispatcher.username)
    for url in ("/api/v1/compliance/profiles", "/api/v1/compliance/violations"):
        assert client.get(url, headers=bearer(collector_token)).status_code == 403
    assert client.get("/api/v1/compliance/violations",
                      headers=bearer(dispatcher_token)).status_code == 403
    assert client.put("/api/v1/compliance/profiles/CN", headers=bearer(dispatcher_token),
                      json={"params": {}, "reason": "nope"}).status_code == 403


def test_a_lender_profile_tightens_the_effective_profile_with_sources(client, session):
    seed_profiles(session)
    officer = _officer(session)
    lender = f.agency(session, kind="lender")
    case, _ = f.case_with_visit(session, lender=lender)
    session.commit()
    token = login(client, officer.username)
    cn = client.get("/api/v1/compliance/profiles/CN", headers=bearer(token)).get_json()["params"]
    strict = {**cn, "code": "ACME", "name": "Acme lender", "quiet_hours": [["20:00", "09:00"]],
              "promise_grace_days": 5}

    created = client.post("/api/v1/compliance/profiles", headers=bearer(token),
                          json={"code": "ACME", "scope": "lender", "agency_id": lender.id,
                                "params": strict, "reason": "lender contract"})
    effective = client.get(f"/api/v1/compliance/profiles/effective?case_id={case.id}",
                           headers=bearer(token))

    assert created.status_code == 201, created.get_json()
    body = effective.get_json()
    assert [p["code"] for p in body["profiles"]] == ["CN", "ACME"]
    assert body["params"]["quiet_hours"] == [["20:00", "09:00"]]
    assert body["params"]["sources"]["promise_grace_days"] == ["ACME"]
    assert body["params"]["sources"]["two_person_min"] == ["CN", "ACME"]


def test_an_agency_profile_applies_only_while_the_case_is_placed_there(session):
    seed_profiles(session)
    agency = f.agency(session)
    case, _ = f.case_with_visit(session)
    session.add(RuleProfile(code="AGX", scope="agency", agency_id=agency.id,
                            params={**_params("CN"), "code": "AGX", "notice_hours": 48}))
    session.flush()
    assert effective_profile(session, case).notice_hours == 24
    session.add(Placement(case_id=case.id, agency_id=agency.id))
    session.flush()
    assert effective_profile(session, case).notice_hours == 48


def test_an_unknown_case_or_a_lender_profile_without_a_lender_is_a_clear_error(client, session):
    seed_profiles(session)
    officer = _officer(session)
    session.commit()
    token = login(client, officer.username)
    missing = client.get("/api/v1/compliance/profiles/effective?case_id=nope",
                         headers=bearer(token))
    bad = client.post("/api/v1/compliance/profiles", headers=bearer(token),
                      json={"code": "X1", "scope": "lender", "params": {}, "reason": "test"})
    duplicate = client.post("/api/v1/compliance/profiles", headers=bearer(token),
                            json={"code": "CN", "scope": "jurisdiction", "params": {},
                                  "reason": "test"})
    assert missing.status_code == 404
    assert bad.status_code == 422 and "agency_id" in bad.get_json()["errors"]
    assert duplicate.status_code == 409


def _params(code):
    from server.compliance.engine import seeded_profile

    return seeded_profile(code).to_dict()


def _get(client, token, code):
    return client.get(f"/api/v1/compliance/profiles/{code}", headers=bearer(token)).get_json()
