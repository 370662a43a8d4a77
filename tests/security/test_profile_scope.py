"""Rule profiles across agencies (server/compliance/profile_store.py).

Jurisdiction and lender profiles apply to every agency working those cases: every staff caller
reads them. An agency-scoped profile is that agency's own configuration: another agency's
dispatcher or compliance officer neither reads it (404) nor changes it; an officer bound to an
agency writes only their agency's profiles. Admins and compliance officers bound to no agency
(the platform's) read and write all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.compliance.profile_store import SEEDED, create_profile, seed_profiles
from server.extensions import db
from server.models import Case, RuleProfile, Team
from tests.security import world as seed
from tests.support import factories as f
from tests.support.api import bearer, login


def _params(code: str) -> dict:
    return {**SEEDED["CN"].to_dict(), "code": code}


@pytest.fixture
def setup(app):
    """The two-agency world, plus agency A's own profile, a lender profile and the seeds;
    `cara` is a compliance officer of agency A, `cora` one of no agency."""
    with app.app_context():
        s = db.session
        w = seed.build(app, s)
        adam = w.user_ids["adam"]
        agency_a = s.get(Team, w.own.ids["team"]).agency_id
        agency_b = s.get(Team, w.foreign.ids["team"]).agency_id
        lender = s.get(Case, w.own.ids["case_id"]).lender_id
        seed_profiles(s, adam)
        codes = {"a": f.unique("AGA"), "lender": f.unique("LND"), "b": w.foreign.ids["code"]}
        create_profile(s, codes["a"], "agency", agency_a, _params(codes["a"]), "A's cap", adam)
        create_profile(s, codes["lender"], "lender", lender, _params(codes["lender"]),
                       "the lender's rules", adam)
        cara = f.user(s, "compliance", s.get(Team, w.own.ids["team"])).username
        s.commit()
    return {"w": w, "codes": codes, "agencies": {"a": agency_a, "b": agency_b},
            "lender": lender, "cara": cara}


def _headers(client, username):
    return bearer(login(client, username))


def _codes(client, headers, **query) -> set[str]:
    response = client.get("/api/v1/compliance/profiles", headers=headers,
                          query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.get_json()
    return {p["code"] for p in response.get_json()}


@pytest.mark.parametrize("who", ["dora", "cara"])
def test_another_agencys_profile_is_invisible_to_an_agency_bound_caller(app, client, setup,
                                                                        who):
    codes = setup["codes"]
    username = setup["cara"] if who == "cara" else setup["w"].users["dora"]
    headers = _headers(client, username)
    listed = _codes(client, headers)
    assert {codes["a"], codes["lender"], "CN", "US"} <= listed  # own, lender, jurisdictions
    assert codes["b"] not in listed
    assert _codes(client, headers, scope="agency") == {codes["a"]}
    for code in (codes["a"], codes["lender"], "CN"):
        assert client.get(f"/api/v1/compliance/profiles/{code}",
                          headers=headers).status_code == 200, code
    answer = client.get(f"/api/v1/compliance/profiles/{codes['b']}", headers=headers)
    assert answer.status_code == 404
    assert "agency B's own cap" not in answer.get_data(as_text=True)


def test_an_agency_bound_officer_changes_only_their_agencys_profiles(app, client, setup):
    codes, agencies = setup["codes"], setup["agencies"]
    headers = _headers(client, setup["cara"])

    def put(code):
        return client.put(f"/api/v1/compliance/profiles/{code}", headers=headers,
                          json={"params": _params(code), "reason": "tighten"}).status_code

    def post(code, scope, agency_id=None):
        body = {"code": code, "scope": scope, "params": _params(code), "reason": "new rules"}
        if agency_id:
            body["agency_id"] = agency_id
        return client.post("/api/v1/compliance/profiles", headers=headers,
                           json=body).status_code

    assert put(codes["b"]) == 404  # not even readable
    assert put("CN") == 403  # readable, but it binds every agency
    assert put(codes["lender"]) == 403  # the lender's, not agency A's
    assert put(codes["a"]) == 200
    assert post(f.unique("X"), "agency", agencies["b"]) == 403
    assert post(f.unique("X"), "jurisdiction") == 403
    assert post(f.unique("X"), "lender", setup["lender"]) == 403
    assert post(f.unique("X"), "agency", agencies["a"]) == 201
    with app.app_context():
        versions = dict(db.session.execute(select(RuleProfile.code, RuleProfile.version)).all())
    assert (versions[codes["b"]], versions["CN"], versions[codes["lender"]]) == (1, 1, 1)
    assert versions[codes["a"]] == 2


@pytest.mark.parametrize("who", ["cora", "adam"])
def test_platform_officers_and_admins_read_and_change_every_profile(app, client, setup, who):
    codes = setup["codes"]
    headers = _headers(client, setup["w"].users[who])
    assert {codes["a"], codes["b"], codes["lender"], "CN"} <= _codes(client, headers)
    detail = client.get(f"/api/v1/compliance/profiles/{codes['b']}", headers=headers)
    assert detail.status_code == 200
    assert detail.get_json()["versions"][0]["reason"] == "agency B's own cap"
    changed = client.put(f"/api/v1/compliance/profiles/{codes['b']}", headers=headers,
                         json={"params": _params(codes["b"]), "reason": "platform review",
                               "version": 1})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
