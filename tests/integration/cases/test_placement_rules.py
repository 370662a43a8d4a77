"""Placement by rules: the lender's unplaced cases go to agencies by bucket/dpd/city/balance,
shared by percentage up to a capacity; a dry run previews, a real run places and is audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Address, Agency, AuditEvent, Placement
from tests.support import factories as f
from tests.support.api import bearer, login

URL = "/api/v1/placements/by-rules"


def _world(app, client):
    """Five M2 cases in Shanghai, one M2 in Beijing, two M4 (dpd 100), one already placed."""
    with app.app_context():
        s = db.session
        lender = f.agency(s, kind="lender")
        a, b, c = (f.agency(s) for _ in range(3))
        for _ in range(5):
            f.case_with_visit(s, lender=lender)
        _, visit = f.case_with_visit(s, lender=lender)
        s.get(Address, visit.address_id).city = "北京市"
        for _ in range(2):
            case, _ = f.case_with_visit(s, lender=lender)
            account = f.account_of(s, case)
            account.dpd, account.bucket, account.outstanding = 100, "M4", Decimal("20000")
        held, _ = f.case_with_visit(s, lender=lender)
        s.add(Placement(case_id=held.id, agency_id=a.id))
        ops = f.user(s, "lender_ops", agency_code=lender.code).username
        stranger = f.user(s, "lender_ops", agency_code=f.agency(s, kind="lender").code).username
        codes = (a.code, b.code, c.code)
        s.commit()
    return codes, bearer(login(client, ops)), bearer(login(client, stranger))


def _rules(a, b, c, **kw):
    return [{"name": "M2 Shanghai", "bucket": ["M2"], "city": ["上海市"],
             "agencies": [{"agency": a, "share": 60}, {"agency": b, "share": 40}]},
            {"name": "late", "dpd_min": 91, "balance_min": "10000.00",
             "agencies": [{"agency": c, "share": 100, "capacity": kw.get("capacity", 1)}]}]


def _placements(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Placement))


def test_a_dry_run_previews_the_split_and_changes_nothing(app, client):
    (a, b, c), ops, _ = _world(app, client)
    before = _placements(app)
    response = client.post(URL, headers=ops, json={"rules": _rules(a, b, c)})
    assert response.status_code == 200, response.get_json()
    plan = response.get_json()
    assert plan["dry_run"] is True and plan["candidates"] == 8
    assert plan["placed"] == {a: 3, b: 2, c: 1}
    assert (plan["unmatched"], plan["no_room"]) == (1, 1)
    assert [r["matched"] for r in plan["rules"]] == [5, 2]
    assert _placements(app) == before


def test_a_real_run_places_audits_and_leaves_only_the_rest(app, client):
    (a, b, c), ops, stranger = _world(app, client)
    before = _placements(app)
    response = client.post(URL, headers=ops, json={"rules": _rules(a, b, c), "dry_run": False})
    assert response.status_code == 200, response.get_json()
    assert _placements(app) == before + 6
    with app.app_context():
        s = db.session
        held = dict(s.execute(select(Agency.code, func.count()).join(
            Placement, Placement.agency_id == Agency.id).where(Placement.returned_at.is_(None))
            .group_by(Agency.code)).all())
        assert (held.get(a), held.get(b), held.get(c)) == (4, 2, 1)  # a held one before
        assert s.scalar(select(func.count()).where(
            AuditEvent.action == "placement.rules")) == 1
    again = client.post(URL, headers=ops, json={"rules": _rules(a, b, c, capacity=5)})
    assert again.get_json()["candidates"] == 2 and again.get_json()["placed"] == {c: 1}
    # another lender's operations see none of these cases
    theirs = client.post(URL, headers=stranger, json={"rules": _rules(a, b, c)})
    assert theirs.status_code == 200 and theirs.get_json()["candidates"] == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"agencies": [{"agency": "A", "share": 50}]}, "rules.0.agencies"),
    ({"agencies": [{"agency": "NO-SUCH", "share": 100}]}, "rules.0.agencies"),
    ({"dpd_min": 90, "dpd_max": 30}, "rules.0.dpd_min"),
    ({"agencies": [{"agency": "A", "share": 0}]}, "rules"),
    ({"agencies": []}, "rules"),
    ({"balance_min": "abc"}, "rules"),
])
def test_bad_rules_are_a_422_naming_the_field(app, client, change, field):
    (a, _, _), ops, _ = _world(app, client)
    rule = {"agencies": [{"agency": a, "share": 100}], **change}
    if rule["agencies"] and rule["agencies"][0]["agency"] == "A":
        rule["agencies"][0]["agency"] = a
    response = client.post(URL, headers=ops, json={"rules": [rule]})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
