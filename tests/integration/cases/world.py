"""Cases to find: two agencies' placed cases, a collector's assigned visit, related parties."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event

from server.extensions import db
from server.models import (
    Account,
    ContactPoint,
    Party,
    PartyRelationship,
    Placement,
    Visit,
    VisitAssignee,
)
from tests.integration.dispatch.world import World, placed_case, world
from tests.support import factories as f
from tests.support.clock import operation_day


@dataclass
class Cases:
    w: World
    other: World  # another agency, with its own placed case
    compliance: object
    cases: list
    foreign: object  # placed with the other agency only
    visit: Visit  # on cases[0], assigned to w.collectors[0]


def add_phone(session, party, value="13800138000"):
    session.add(ContactPoint(party_id=party.id, value=value))
    session.flush()


def cases_world(session, n=3) -> Cases:
    """n cases placed with w.agency (the first assigned to w.collectors[0]), one foreign case."""
    w = world(session)
    other = world(session, collectors=0)
    other.lender = w.lender
    compliance = f.user(session, "compliance")
    cases = []
    for i in range(n):
        case, _ = placed_case(session, w, national_id=f"31010119900101{1000 + i}")
        session.get(Party, case.debtor_id).full_name = f"王{i}号"
        account = session.query(Account).filter_by(case_id=case.id).one()
        account.dpd, account.bucket = 10 + 30 * i, f"M{1 + i}"
        add_phone(session, session.get(Party, case.debtor_id), f"1380013800{i}")
        cases.append(case)
    visit = Visit(case_id=cases[0].id, address_id=address_of(session, cases[0]).id,
                  scheduled_on=operation_day(1), team_id=w.team.id,
                  status="assigned")
    session.add(visit)
    session.flush()
    session.add(VisitAssignee(visit_id=visit.id, user_id=w.collectors[0].id))
    foreign, _ = placed_case(session, w, placed=False)
    session.add(Placement(case_id=foreign.id, agency_id=other.agency.id))
    session.flush()
    return Cases(w, other, compliance, cases, foreign, visit)


def address_of(session, case):
    from server.models import Address

    return session.query(Address).filter_by(party_id=case.debtor_id).first()


def relate(session, case, name="赵六", phone="13900139000", debt_related=False,
           relationship="reference"):
    """A related party of the case's debtor, with a phone."""
    party = Party(lender_id=case.lender_id, external_id=f.unique("R"), full_name=name,
                  national_id="110101198501015678")
    session.add(party)
    session.flush()
    session.add(PartyRelationship(debtor_id=case.debtor_id, party_id=party.id,
                                  relationship=relationship, debt_related=debt_related))
    add_phone(session, party, phone)
    return party


class Statements:
    """Counts the SQL statements sent while active."""

    def __init__(self, app):
        self.app, self.count = app, 0

    def _count(self, conn, cursor, statement, *args):
        # SQLite's driver sends BEGIN itself, depending on what ran before on the connection.
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.count += 1

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)
