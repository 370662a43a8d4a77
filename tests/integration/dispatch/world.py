"""A small collection operation to dispatch in: agencies, a team, collectors, placed cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from server.models import Account, Address, Agency, Case, Party, Placement, Team, Visit
from tests.support import factories as f
from tests.support.clock import operation_today

PEOPLE_SQUARE = (31.2304, 121.4737)  # 黄浦区


@dataclass
class World:
    lender: Agency
    agency: Agency
    team: Team
    dispatcher: object
    collectors: list = field(default_factory=list)


def collector(session, team, base=PEOPLE_SQUARE, certified=True, **kw):
    """A collector with valid CN credentials (or an expired certification) and a home base."""
    today = operation_today()
    expires = today + timedelta(days=365) if certified else today - timedelta(days=1)
    return f.user(session, "collector", team, certification_expires_on=expires,
                  training_completed_on=today - timedelta(days=30),
                  national_id="310101198001011234", base_lat=base[0], base_lng=base[1], **kw)


def world(session, collectors=2, territory=("黄浦区", "静安区")) -> World:
    lender = f.agency(session, kind="lender")
    agency = f.agency(session)
    team = f.team(session, agency, territory=list(territory))
    dispatcher = f.user(session, "dispatcher", team)
    return World(lender, agency, team, dispatcher,
                 [collector(session, team) for _ in range(collectors)])


def placed_case(session, w: World, placed=True, district="黄浦区", at=PEOPLE_SQUARE,
                outstanding="8000.00", bucket="M2", state="geocoded", kind="home", **party):
    """An open case of a debtor with one address, placed with the world's agency."""
    debtor = Party(lender_id=w.lender.id, external_id=f.unique("P"), full_name="李四", **party)
    session.add(debtor)
    session.flush()
    case = Case(lender_id=w.lender.id, external_id=f.unique("C"), debtor_id=debtor.id)
    session.add(case)
    session.flush()
    session.add(Account(lender_id=w.lender.id, external_id=f.unique("A"), case_id=case.id,
                        principal=Decimal("10000"), outstanding=Decimal(outstanding),
                        bucket=bucket, dpd=45))
    address = Address(party_id=debtor.id, kind=kind, raw_text=f"上海市{district}某路1号",
                      city="上海市", district=district, lat=at[0] if at else None,
                      lng=at[1] if at else None, accuracy_m=50.0 if at else None,
                      precision="building" if at else None, verification_state=state,
                      time_zone="Asia/Shanghai")
    session.add(address)
    if placed:
        session.add(Placement(case_id=case.id, agency_id=w.agency.id))
    session.flush()
    return case, address


def planned_visit(session, w: World, on=None, priority=0, **kw) -> Visit:
    """A planned, unassigned visit on a new placed case."""
    case, address = placed_case(session, w, **kw)
    visit = Visit(case_id=case.id, address_id=address.id, scheduled_on=on or operation_today(),
                  priority=priority)
    session.add(visit)
    session.flush()
    return visit
