"""Small builders for test data: real rows through the real services where it matters."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from server.auth.service import create_user
from server.models import (
    Account,
    Address,
    Agency,
    Case,
    Party,
    Placement,
    Team,
    Visit,
    VisitAssignee,
)
from tests.support.clock import operation_today

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


def agency(session, kind="outsourced", **kw) -> Agency:
    row = Agency(code=kw.pop("code", unique("AG")), name=kw.pop("name", "Agency"), kind=kind, **kw)
    session.add(row)
    session.flush()
    return row


def team(session, agency_row=None, **kw) -> Team:
    agency_row = agency_row or agency(session)
    row = Team(agency_id=agency_row.id, code=kw.pop("code", unique("T")),
               name=kw.pop("name", "Team"), **kw)
    session.add(row)
    session.flush()
    return row


def user(session, role="collector", team_row=None, **kw):
    username = kw.pop("username", unique(role))
    row = create_user(session, username, kw.pop("password", PASSWORD), role,
                      team_code=team_row.code if team_row else None, **kw)
    session.flush()
    return row


def case_with_visit(session, lender=None, collectors=(), on: date | None = None, team_row=None,
                    lat=31.2304, lng=121.4737):
    """A debtor with one account, one home address and one visit, optionally assigned."""
    lender = lender or agency(session, kind="lender")
    debtor = Party(lender_id=lender.id, external_id=unique("P"), full_name="张三",
                   national_id="310101199001011234")
    session.add(debtor)
    session.flush()
    case = Case(lender_id=lender.id, external_id=unique("C"), debtor_id=debtor.id)
    session.add(case)
    session.flush()
    session.add(Account(lender_id=lender.id, external_id=unique("A"), case_id=case.id,
                        principal=Decimal("10000.00"), outstanding=Decimal("8000.00"), dpd=45,
                        bucket="M2", due_since=operation_today() - timedelta(days=45)))
    address = Address(party_id=debtor.id, raw_text="上海市黄浦区人民大道200号", lat=lat, lng=lng,
                      city="上海市", district="黄浦区", time_zone="Asia/Shanghai")
    session.add(address)
    session.flush()
    visit = Visit(case_id=case.id, address_id=address.id, scheduled_on=on or operation_today(),
                  team_id=team_row.id if team_row else None,
                  status="assigned" if collectors else "planned")
    session.add(visit)
    session.flush()
    for collector in collectors:
        session.add(VisitAssignee(visit_id=visit.id, user_id=collector.id))
        session.add(Placement(case_id=case.id, agency_id=collector.agency_id or lender.id))
    session.flush()
    return case, visit


# --- facts a device would push, and money (follow-ups/compliance tests) ---------------------

def fact(session, model, at, collector=None, clock_offset_ms=None, **kw):
    """A device fact with its own id, device time `at` and (optional) clock offset."""
    from server.models import utcnow

    row = model(id=kw.pop("id", unique("f")), recorded_at=at, received_at=utcnow(),
                clock_offset_ms=clock_offset_ms, digest="0" * 64,
                user_id=collector.id if collector else None, **kw)
    session.add(row)
    session.flush()
    return row


def check_in(session, visit, collector, at, **kw):
    from server.models import CheckIn

    return fact(session, CheckIn, at, collector, visit_id=visit.id, lat=31.23, lng=121.47, **kw)


def outcome(session, visit, collector, at, code="MET_DEBTOR", **kw):
    from server.models import VisitOutcome

    return fact(session, VisitOutcome, at, collector, visit_id=visit.id, code=code, **kw)


def account_of(session, case):
    from sqlalchemy import select

    return session.scalar(select(Account).where(Account.case_id == case.id))


def promise(session, case, amount, due_on, made_at, **kw):
    from server.models import PaymentPromise

    return fact(session, PaymentPromise, made_at, case_id=case.id,
                account_id=kw.pop("account_id", None) or account_of(session, case).id,
                amount=Decimal(str(amount)), due_on=due_on, **kw)


def payment(session, case, amount, paid_at, **kw):
    from server.models import Payment

    account = (session.get(Account, kw.pop("account_id")) if kw.get("account_id")
               else account_of(session, case))
    kw.setdefault("lender_id", account.lender_id)
    return fact(session, Payment, paid_at, case_id=case.id, account_id=account.id,
                amount=Decimal(str(amount)), method=kw.pop("method", "transfer"),
                paid_at=paid_at, **kw)
