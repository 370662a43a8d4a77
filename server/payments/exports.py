"""CSV exports for the lender: its postings and the field receipts, per local day and agency.

A posting belongs to the agency its case was placed with when the money was paid; a receipt
to the agency of the collector who took it. Voided and re-issued receipts are included, with
the reason and the link, so the lender's books reconcile.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session, aliased

from server.audit import service as audit
from server.auth.clients import actor_of
from server.errors import InvalidInput
from server.models import Account, Agency, Case, LenderPosting, Payment, Placement, Role, User

POSTING_COLUMNS = ("txn_id", "kind", "account_id", "case_id", "amount", "currency", "paid_at",
                   "channel", "receipt_no", "reverses_txn_id", "reason", "reversed_at",
                   "matched_receipt_no")
RECEIPT_COLUMNS = ("receipt_no", "case_id", "account_id", "collector", "amount", "currency",
                   "method", "paid_at", "voided_at", "void_reason", "reissue_of_receipt_no")


def _day(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise InvalidInput(f"no agency {code!r}", {"agency": ["no agency with this code"]})
    return agency


def _own(caller):
    return Case.lender_id == caller.agency_id if caller.role != Role.ADMIN else true()


def export_postings(session: Session, caller, day: date, agency_code: str,
                    zone: ZoneInfo) -> str:
    """The lender's postings paid on `day` (local) on cases placed with the agency then."""
    agency, (start, end) = _agency(session, agency_code), _day(day, zone)
    lp, pay = LenderPosting, aliased(Payment)
    placed = and_(Placement.case_id == Case.id, Placement.agency_id == agency.id,
                  Placement.placed_at <= lp.paid_at,
                  or_(Placement.returned_at.is_(None), Placement.returned_at > lp.paid_at))
    rows = session.execute(
        select(lp.txn_id, lp.kind, lp.account_ref, Case.external_id, lp.amount, lp.currency,
               lp.paid_at, lp.channel, lp.receipt_no, lp.reverses_txn_id, lp.reversal_reason,
               lp.reversed_at, pay.receipt_no)
        .join(Account, Account.id == lp.account_id).join(Case, Case.id == Account.case_id)
        .join(Placement, placed).outerjoin(pay, pay.id == lp.matched_payment_id)
        .where(_own(caller), lp.paid_at >= start, lp.paid_at < end)
        .order_by(lp.paid_at, lp.txn_id)).all()
    audit.record(session, actor_of(caller), "export.postings", "agency", agency.id,
                 {"day": day.isoformat(), "rows": len(rows)})
    return _csv(POSTING_COLUMNS, rows)


def export_receipts(session: Session, caller, day: date, agency_code: str,
                    zone: ZoneInfo) -> str:
    """Field receipts paid on `day` (local) by the agency's collectors, voided ones too."""
    agency, (start, end) = _agency(session, agency_code), _day(day, zone)
    p, old = Payment, aliased(Payment)
    rows = session.execute(
        select(p.receipt_no, Case.external_id, Account.external_id, User.username, p.amount,
               p.currency, p.method, p.paid_at, p.voided_at, p.void_reason, old.receipt_no)
        .join(Case, Case.id == p.case_id).join(Account, Account.id == p.account_id)
        .join(User, User.id == p.user_id).outerjoin(old, old.id == p.reissue_of)
        .where(_own(caller), User.agency_id == agency.id, p.paid_at >= start, p.paid_at < end)
        .order_by(p.paid_at, p.id)).all()
    audit.record(session, actor_of(caller), "export.receipts", "agency", agency.id,
                 {"day": day.isoformat(), "rows": len(rows)})
    return _csv(RECEIPT_COLUMNS, rows)


def _csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, datetime) else v
                         for v in row])
    return out.getvalue()
