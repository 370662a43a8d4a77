"""Recall by rules: the lender takes back placed cases on poor performance (no right-party
contact, no payment, a low recovery rate) or on complaints; a dry run previews with the reason
per case, a real run recalls them like a recall by list, and a replay recalls nothing more."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    Agency,
    AuditEvent,
    Complaint,
    ContactAttempt,
    Placement,
    Visit,
    utcnow,
)
from tests.support import factories as f
from tests.support.api import bearer, login

URL = "/api/v1/placements/recall/by-rules"
SILENT = {"name": "silent", "kind": "performance", "placed_days": 60,
          "no_right_party_contact": True}
# name -> (agency, days placed, right-party contact by its collector N days ago, money paid)
CASES = {
    "silent": ("a", 70, None, None),
    "met": ("a", 70, 10, None),
    "met_by_b": ("a", 70, "b", None),  # connected, but by another agency's collector
    "met_long_ago": ("a", 70, 50, None),
    "fresh": ("a", 10, None, None),
    "paid_little": ("a", 70, 5, "100.00"),  # 100 of 8,100: 1.2 %
    "paid_well": ("a", 70, 5, "2000.00"),  # 2,000 of 10,000: 20 %
    "b_silent": ("b", 70, None, None),
    "two_complaints": ("a", 70, 5, None),
    "upheld": ("a", 70, 5, None),
    "old_complaints": ("a", 20, 5, None),  # both received before this placement
    "withdrawn": ("a", 70, 5, None),  # two, one withdrawn
}


@dataclass
class World:
    refs: dict[str, str]
    ids: dict[str, str]
    visits: dict[str, str]
    a: str
    b: str
    ops: dict
    stranger: dict
    dora: dict  # agency A's dispatcher


def _complaint(case, days_ago, now, **kw):
    return Complaint(case_id=case.id, category="conduct", description="rude",
                     received_at=now - timedelta(days=days_ago), **kw)


def _world(app, client) -> World:
    now = utcnow()
    with app.app_context():
        s = db.session
        lender, other = f.agency(s, kind="lender"), f.agency(s, kind="lender")
        teams = {"a": f.team(s), "b": f.team(s)}
        people = {k: f.user(s, "collector", t) for k, t in teams.items()}
        cases, visits = {}, {}
        for name, (agency, days, met, paid) in {**CASES, "theirs": ("a", 70, None, None)}.items():
            case, visit = f.case_with_visit(s, lender=other if name == "theirs" else lender,
                                            collectors=[people[agency]],
                                            team_row=teams[agency])
            s.scalar(select(Placement).where(Placement.case_id == case.id)).placed_at = \
                now - timedelta(days=days)
            if met is not None:
                s.add(ContactAttempt(
                    case_id=case.id, party_id=case.debtor_id, channel="visit", connected=True,
                    user_id=people["b" if met == "b" else agency].id,
                    occurred_at=now - timedelta(days=5 if met == "b" else met)))
            if paid:
                f.payment(s, case, paid, now - timedelta(days=3), collector=people[agency],
                          method="cash", receipt_no=f.unique("R"))
            cases[name], visits[name] = case, visit.id
        s.add_all([_complaint(cases["two_complaints"], 5, now),
                   _complaint(cases["two_complaints"], 4, now),
                   _complaint(cases["upheld"], 5, now, status="resolved", upheld=True),
                   _complaint(cases["old_complaints"], 30, now),
                   _complaint(cases["old_complaints"], 25, now),
                   _complaint(cases["withdrawn"], 5, now),
                   _complaint(cases["withdrawn"], 4, now, status="withdrawn"),
                   _complaint(cases["theirs"], 5, now), _complaint(cases["theirs"], 4, now)])
        codes = {k: s.get(Agency, t.agency_id).code for k, t in teams.items()}
        users = {"ops": f.user(s, "lender_ops", agency_code=lender.code).username,
                 "stranger": f.user(s, "lender_ops", agency_code=other.code).username,
                 "dora": f.user(s, "dispatcher", teams["a"]).username}
        s.commit()
        refs = {n: c.external_id for n, c in cases.items()}
        ids = {n: c.id for n, c in cases.items()}
    tokens = {n: bearer(login(client, u)) for n, u in users.items()}
    return World(refs, ids, visits, codes["a"], codes["b"], tokens["ops"], tokens["stranger"],
                 tokens["dora"])


def _run(client, w, rules, headers=None, **body):
    response = client.post(URL, headers=headers or w.ops, json={"rules": rules, **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _names(w, answer) -> set[str]:
    by_ref = {ref: name for name, ref in w.refs.items()}
    return {by_ref[c["case"]] for c in answer["cases"]}


def _open_placements(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Placement).where(
            Placement.returned_at.is_(None)))


def test_no_right_party_contact_selects_the_agencys_silent_cases_and_changes_nothing(
        app, client):
    w = _world(app, client)
    before = _open_placements(app)
    plan = _run(client, w, [SILENT], agencies=[w.a])
    assert plan["dry_run"] is True
    assert _names(w, plan) == {"silent", "met_by_b"}
    assert plan["matched"] == 2 and plan["agencies"] == {w.a: 2}
    first = plan["cases"][0]
    assert (first["reason"], first["rule"], first["agency"], first["days_placed"]) == (
        "performance", "silent", w.a, 70)
    assert "no right-party contact" in first["why"]
    assert _open_placements(app) == before
    # without the agency filter the other agency's silent case is taken too; over the last
    # 30 days only, a contact 50 days ago no longer counts
    assert _names(w, _run(client, w, [SILENT])) == {"silent", "met_by_b", "b_silent"}
    recent = _run(client, w, [{**SILENT, "within_days": 30}], agencies=[w.a])
    assert _names(w, recent) == {"silent", "met_by_b", "met_long_ago"}
    # another lender's operations see only their own case
    theirs = _run(client, w, [SILENT], headers=w.stranger)
    assert [c["case"] for c in theirs["cases"]] == [w.refs["theirs"]]


def test_no_payment_and_a_low_recovery_rate_read_the_money_counted_while_placed(app, client):
    w = _world(app, client)
    long_placed = {n for n, (agency, days, _, _) in CASES.items() if agency == "a" and days >= 60}
    low = _run(client, w, [{"kind": "performance", "placed_days": 60,
                            "recovery_rate_below": "0.05"}], agencies=[w.a])
    assert _names(w, low) == long_placed - {"paid_well"}
    paid_little = next(c for c in low["cases"] if c["case"] == w.refs["paid_little"])
    assert "recovered 100.00 of 8100.00 (1.2%)" in paid_little["why"]
    unpaid = _run(client, w, [{"kind": "performance", "placed_days": 60, "no_payment": True}],
                  agencies=[w.a])
    assert _names(w, unpaid) == long_placed - {"paid_well", "paid_little"}
    both = _run(client, w, [{"kind": "performance", "placed_days": 60, "no_payment": True,
                             "no_right_party_contact": True}], agencies=[w.a])
    assert _names(w, both) == {"silent", "met_by_b"}


def test_complaint_rules_count_this_placements_complaints_and_upheld_ones(app, client):
    w = _world(app, client)
    plan = _run(client, w, [{"name": "two", "kind": "complaints", "min_complaints": 2},
                            {"name": "upheld", "kind": "complaints", "upheld": True}])
    assert {c["case"]: (c["rule"], c["reason"]) for c in plan["cases"]} == {
        w.refs["two_complaints"]: ("two", "complaint"),
        w.refs["upheld"]: ("upheld", "complaint")}
    assert [r["matched"] for r in plan["rules"]] == [1, 1]
    other_kind = _run(client, w, [{"kind": "complaints", "min_complaints": 1,
                                   "categories": ["privacy"]}])
    assert other_kind["matched"] == 0


def test_a_case_takes_the_first_rule_it_matches(app, client):
    w = _world(app, client)
    plan = _run(client, w, [{"name": "any complaint", "kind": "complaints", "min_complaints": 1},
                            {**SILENT, "placed_days": 1}], agencies=[w.a])
    rules = {c["case"]: c["rule"] for c in plan["cases"]}
    assert rules[w.refs["two_complaints"]] == "any complaint"
    assert rules[w.refs["fresh"]] == "silent"
    assert [r["matched"] for r in plan["rules"]] == [3, 3]  # two, upheld, withdrawn; 3 silent


def test_a_real_run_recalls_closes_the_work_and_a_replay_recalls_nothing(app, client):
    w = _world(app, client)
    case_url = f"/api/v1/cases/{w.ids['silent']}"
    assert client.get(case_url, headers=w.dora).status_code == 200
    rules = [SILENT, {"name": "two", "kind": "complaints", "min_complaints": 2}]
    done = _run(client, w, rules, agencies=[w.a], dry_run=False, note="review 2026-12")
    assert (done["dry_run"], done["matched"], done["recalled"], done["visits"]) == (
        False, 3, 3, 3)
    assert client.get(case_url, headers=w.dora).status_code == 404
    assert client.get(f"/api/v1/cases/{w.ids['met']}", headers=w.dora).status_code == 200
    with app.app_context():
        s = db.session
        visit = s.get(Visit, w.visits["silent"])
        assert (visit.status, visit.cancel_reason) == (
            "cancelled", "recalled (performance): rule silent: review 2026-12")
        assert s.get(Visit, w.visits["two_complaints"]).cancel_reason.startswith(
            "recalled (complaint)")
        assert s.get(Visit, w.visits["b_silent"]).status != "cancelled"
        actions = list(s.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("placement.recall%")).order_by(AuditEvent.id)))
        assert sorted(actions) == ["placement.recall", "placement.recall",
                                   "placement.recall_rules"]
    again = _run(client, w, rules, agencies=[w.a], dry_run=False)
    assert (again["matched"], again["recalled"], again["visits"]) == (0, 0, 0)


def test_the_preview_is_paged(app, client):
    w = _world(app, client)
    full = _run(client, w, [SILENT])["cases"]
    first = _run(client, w, [SILENT], limit=2)
    rest = _run(client, w, [SILENT], limit=2, offset=2)
    assert first["matched"] == rest["matched"] == 3
    assert first["cases"] + rest["cases"] == full and len(rest["cases"]) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"agencies": ["NO-SUCH"]}, "agencies"),
    ({"rules": [{"kind": "performance", "no_payment": True}]}, "rules.0.placed_days"),
    ({"rules": [{"kind": "performance", "placed_days": 30}]}, "rules.0"),
    ({"rules": [{**SILENT, "min_complaints": 2}]}, "rules.0.min_complaints"),
    ({"rules": [{"kind": "complaints", "min_complaints": 1, "no_payment": True}]},
     "rules.0.no_payment"),
    ({"rules": [{"kind": "complaints"}]}, "rules.0"),
    ({"rules": [{**SILENT, "recovery_rate_below": "1.5"}]}, "rules"),
    ({"rules": [{**SILENT, "placed_days": -1}]}, "rules"),
    ({"rules": [{"kind": "mood"}]}, "rules"),
    ({"rules": []}, "rules"),
    ({"limit": 0}, "limit"),
])
def test_bad_rules_are_a_422_naming_the_field(app, client, body, field):
    w = _world(app, client)
    body = {"rules": [SILENT], **body}
    response = client.post(URL, headers=w.ops, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert _open_placements(app) == len(CASES) + 1


def test_two_real_runs_at_once_recall_each_case_once(app, client, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; these interleavings cannot happen there")
    w = _world(app, client)
    barrier = threading.Barrier(2)
    answers: list = []

    def run():
        mine = app.test_client()
        barrier.wait(10)
        answers.append(mine.post(URL, headers=w.ops, json={
            "rules": [SILENT], "agencies": [w.a], "dry_run": False}))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [a.status_code for a in answers] == [200, 200]
    assert sum(a.get_json()["recalled"] for a in answers) == 2
    with app.app_context():
        returned = db.session.scalars(select(Placement.returned_at).where(
            Placement.case_id.in_([w.ids["silent"], w.ids["met_by_b"]]))).all()
        assert len(returned) == 2 and None not in returned
