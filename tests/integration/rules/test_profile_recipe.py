"""docs/api.md's profile-edit recipe works, step by step, for the demo's compliance officer."""

from __future__ import annotations

from sqlalchemy import select

from server.compliance.profile_store import seed_profiles
from server.demo.seed import DEMO_PASSWORD, seed_demo
from server.models import Case
from tests.support.api import bearer, login


def test_the_demo_officer_adds_and_edits_the_lenders_policy_but_not_the_law(client, session):
    seed_profiles(session)  # `make run`: flask rules seed, then flask demo seed
    seed_demo(session, seed=11, debtors=20)
    session.commit()
    officer = bearer(login(client, "compliance", DEMO_PASSWORD))
    case_id = session.scalar(select(Case.id).order_by(Case.id).limit(1))
    api = "/api/v1"

    lender = client.get(f"{api}/users/me", headers=officer).get_json()["agency_id"]
    cn = client.get(f"{api}/compliance/profiles/CN", headers=officer).get_json()
    params = {**cn["params"], "code": "LENDER-POLICY", "visit_interval_days": 10}
    created = client.post(f"{api}/compliance/profiles", headers=officer, json={
        "code": "LENDER-POLICY", "scope": "lender", "agency_id": lender, "params": params,
        "reason": "lender policy 2026-12"})
    assert created.status_code == 201, created.get_json()
    edited = client.put(f"{api}/compliance/profiles/LENDER-POLICY", headers=officer, json={
        "params": {**params, "visit_interval_days": 14}, "reason": "tightened",
        "version": created.get_json()["version"]})
    law = client.put(f"{api}/compliance/profiles/CN", headers=officer, json={
        "params": {**cn["params"], "visit_interval_days": 10}, "reason": "not mine to change",
        "version": cn["version"]})
    effective = client.get(f"{api}/compliance/profiles/effective?case_id={case_id}",
                           headers=officer).get_json()

    assert created.status_code == 201, created.get_json()
    assert edited.status_code == 200 and edited.get_json()["version"] == 2, edited.get_json()
    assert law.status_code == 403  # a jurisdiction's profile is the platform admin's
    assert effective["params"]["visit_interval_days"] == 14
    assert "LENDER-POLICY" in [p["code"] for p in effective["profiles"]]
