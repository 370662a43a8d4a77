"""What an import writes reaches the devices whose collectors work the cases, and only them."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import (
    Account,
    Address,
    Case,
    ContactPoint,
    PartyRelationship,
    Visit,
    VisitAssignee,
)
from tests.integration.imports.support import make_lender, run_import
from tests.integration.sync.conftest import ids, pull
from tests.support import factories
from tests.support.api import bearer, login
from tests.support.clock import operation_today
from tests.unit.imports.support import csv_text, row

CONTACT = {"contact1_name": "李四", "contact1_relationship": "担保人",
           "contact1_phone": "13700000007"}


def _collector(app, client):
    with app.app_context():
        team = factories.team(db.session)
        user = factories.user(db.session, team_row=team)
        db.session.commit()
        collector_id, team_id, username = user.id, team.id, user.username
    headers = {**bearer(login(client, username, device_id="phone-imp")),
               "X-Device-Id": "phone-imp"}
    return collector_id, team_id, headers


def _assign(case_external_id: str, collector_id: str, team_id: str) -> str:
    """A visit to the case's debtor's home, assigned to the collector (as dispatch does)."""
    case = db.session.scalar(select(Case).where(Case.external_id == case_external_id))
    address = db.session.scalar(select(Address.id).where(Address.party_id == case.debtor_id))
    visit = Visit(case_id=case.id, address_id=address, scheduled_on=operation_today(),
                  team_id=team_id, status="assigned")
    db.session.add(visit)
    db.session.flush()
    db.session.add(VisitAssignee(visit_id=visit.id, user_id=collector_id))
    db.session.commit()
    return case.id


def _subtree(case_external_id: str) -> dict[str, set]:
    """The ids of every imported row of a case (its debtor, their contacts, phones …)."""
    case = db.session.scalar(select(Case).where(Case.external_id == case_external_id))
    related = set(db.session.scalars(select(PartyRelationship.party_id)
                                     .where(PartyRelationship.debtor_id == case.debtor_id)))
    people = {case.debtor_id} | related
    return {
        "cases": {case.id},
        "accounts": set(db.session.scalars(select(Account.id).where(Account.case_id == case.id))),
        "parties": people,
        "party_relationships": set(db.session.scalars(select(PartyRelationship.id).where(
            PartyRelationship.debtor_id == case.debtor_id))),
        "addresses": set(db.session.scalars(select(Address.id).where(
            Address.party_id.in_(people)))),
        "contact_points": set(db.session.scalars(select(ContactPoint.id).where(
            ContactPoint.party_id.in_(people)))),
    }


def _delivered(body, now: dict, held: dict, others: list[dict], also=()) -> None:
    """Every row of the case that is new since `held` came (and `also`); nothing of others."""
    for table, wanted in now.items():
        got = ids(body, table)
        assert got >= (wanted - held[table]) | {i for t, i in also if t == table}, table
        assert not got & set().union(*(other[table] for other in others)), table


def test_an_import_reaches_the_device_of_the_collector_working_the_case(app, client):
    collector, team, headers = _collector(app, client)
    with app.app_context():
        make_lender()
        run_import(csv_text([row(1, **CONTACT), row(2)]))
        _assign("C1", collector, team)
        held = _subtree("C1")
    first = pull(client, headers)
    for table, wanted in held.items():
        assert ids(first, table) == wanted, table
    # The lender's next file: C1's jurisdiction, amounts, phones and addresses change and it
    # gains an account (no new related party, so no visit is resent whole); C3 is new.
    with app.app_context():
        run_import(csv_text([
            row(1, outstanding="7000", phones="13800000001;13900000009", jurisdiction="CN-31",
                work_address="浦东新区1号", **CONTACT),
            row(4, case_id="C1", debtor_id="D1", name="张1", national_id="",
                home_address=row(1)["home_address"], phones="13800000001"),
            row(2), row(3, **CONTACT)]))
        now = _subtree("C1")
        others = [_subtree("C2"), _subtree("C3")]
        account = db.session.scalar(select(Account.id).where(Account.external_id == "A1"))
    second = pull(client, headers, first["timestamp"])
    case = next(iter(held["cases"]))
    _delivered(second, now, held, others, [("accounts", account), ("cases", case)])
    assert {t: len(now[t] - held[t]) for t in now} == {
        "cases": 0, "accounts": 1, "parties": 0, "party_relationships": 0, "addresses": 1,
        "contact_points": 1}
    assert ids(second, "accounts") == {account} | (now["accounts"] - held["accounts"])
    assert [c["jurisdiction"] for c in second["changes"]["cases"]["updated"]] == ["CN-31"]
    assert next(a for a in second["changes"]["accounts"]["updated"]
                if a["id"] == account)["outstanding"] == "7000.00"
    # A new related party of C1's debtor, with a phone.
    with app.app_context():
        run_import(csv_text([row(1, outstanding="7000", **CONTACT, contact2_name="王五",
                                 contact2_phone="13600000006")]))
        later = _subtree("C1")
    third = pull(client, headers, second["timestamp"])
    _delivered(third, later, now, others)
    assert {len(later[t] - now[t]) for t in ("parties", "party_relationships",
                                              "contact_points")} == {1}
    # A visit on the new case C3: the whole case arrives with it.
    with app.app_context():
        _assign("C3", collector, team)
        arriving = _subtree("C3")
    fourth = pull(client, headers, third["timestamp"])
    for table, wanted in arriving.items():
        assert ids(fourth, table) >= wanted, table
