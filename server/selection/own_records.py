"""Doorstep's own records into the history store, beside the imported past (one table for both).

Each source is one INSERT … SELECT … ON CONFLICT DO NOTHING keyed by `<table>:<id>`, so the
sync can run any number of times. The day's snapshot of every open case (balance, dpd, address
verification, distance from the team's base) is read in one query and written in batches.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Select, case, exists, func, literal, select
from sqlalchemy.orm import Session

from server.clock import OPERATION_ZONE
from server.db.sql import insert_ignore, new_id_sql
from server.models import (
    Account,
    Address,
    Case,
    CaseStatus,
    ContactAttempt,
    HistoryEvent,
    OutboxMessage,
    Payment,
    PaymentPromise,
    PromiseStatus,
    Team,
    Visit,
    VisitOutcome,
    new_id,
)

ZONE = ZoneInfo(OPERATION_ZONE)  # the lender's day, as dpd counts it
COLUMNS = ("id", "lender_id", "case_ref", "kind", "occurred_at", "outcome", "amount",
           "source", "source_key")
VERIFIED = ("geocoded", "field_verified")


def _key(table: str, id_column) -> object:
    return literal(f"{table}:") + id_column


def _sources(session: Session) -> list[Select]:
    nid, none = new_id_sql(session), literal(None)
    lender, ref, src = Case.lender_id, Case.external_id, literal("doorstep")
    return [
        select(nid, lender, ref, literal("visit"), VisitOutcome.recorded_at, VisitOutcome.code,
               none, src, _key("visit_outcomes", VisitOutcome.id))
        .join(Visit, Visit.id == VisitOutcome.visit_id).join(Case, Case.id == Visit.case_id),
        select(nid, lender, ref, literal("payment"), Payment.paid_at, none, Payment.amount,
               src, _key("payments", Payment.id))
        .join(Case, Case.id == Payment.case_id).where(Payment.voided_at.is_(None)),
        select(nid, lender, ref, literal("promise"),
               func.coalesce(PaymentPromise.status_changed_at, PaymentPromise.recorded_at),
               PaymentPromise.status, PaymentPromise.amount, src,
               _key("payment_promises", PaymentPromise.id))
        .join(Case, Case.id == PaymentPromise.case_id)
        .where(PaymentPromise.status.in_((PromiseStatus.KEPT, PromiseStatus.BROKEN))),
        select(nid, lender, ref, literal("call"), ContactAttempt.occurred_at,
               case((ContactAttempt.connected, "answered"), else_="no_answer"), none, src,
               _key("contact_attempts", ContactAttempt.id))
        .join(Case, Case.id == ContactAttempt.case_id).where(ContactAttempt.channel == "call"),
        select(nid, lender, ref, literal("reminder"),
               func.coalesce(OutboxMessage.sent_at, OutboxMessage.due_at),
               case((OutboxMessage.status == "sent", "delivered"), else_="failed"), none, src,
               _key("outbox_messages", OutboxMessage.id))
        .join(Case, Case.id == OutboxMessage.case_id)
        .where(OutboxMessage.status.in_(("sent", "failed"))),
    ]


def sync_own_records(session: Session, now: datetime) -> dict:
    """Copy what Doorstep recorded since the last sync, and today's snapshot of open cases."""
    table = HistoryEvent.__table__
    added = sum(insert_ignore(session, table, source, COLUMNS, ("source", "source_key"))
                for source in _sources(session))
    return {"events": added, "snapshots": snapshot_open_cases(session, now)}


def snapshot_open_cases(session: Session, now: datetime) -> int:
    """One snapshot row per open case for the lender's day of `now` (a second run adds none)."""
    day = now.astimezone(ZONE).date().isoformat()
    owed = (select(Account.case_id, func.sum(Account.outstanding).label("balance"),
                   func.max(Account.dpd).label("dpd")).group_by(Account.case_id).subquery())
    verified = exists().where(Address.party_id == Case.debtor_id,
                              Address.verification_state.in_(VERIFIED))
    home = (select(Address.lat, Address.lng).where(Address.party_id == Case.debtor_id,
                                                   Address.lat.is_not(None))
            .order_by(Address.kind != "home", Address.id).limit(1))
    team = (select(Team.office_lat, Team.office_lng).join(Visit, Visit.team_id == Team.id)
            .where(Visit.case_id == Case.id, Team.office_lat.is_not(None))
            .order_by(Visit.scheduled_on.desc()).limit(1))
    rows = session.execute(
        select(Case.id, Case.lender_id, Case.external_id, owed.c.balance, owed.c.dpd,
               verified.label("verified"), home.with_only_columns(Address.lat).scalar_subquery(),
               home.with_only_columns(Address.lng).scalar_subquery(),
               team.with_only_columns(Team.office_lat).scalar_subquery(),
               team.with_only_columns(Team.office_lng).scalar_subquery())
        .outerjoin(owed, owed.c.case_id == Case.id)
        .where(Case.status == CaseStatus.OPEN)).all()
    if not rows:
        return 0
    km = _distances(rows)
    out = [{"id": new_id(), "lender_id": r[1], "case_ref": r[2], "kind": "snapshot",
            "occurred_at": now, "balance": r[3], "dpd": r[4], "address_verified": bool(r[5]),
            "distance_km": None if np.isnan(d) else round(float(d), 2), "source": "doorstep",
            "source_key": f"snapshot:{r[0]}:{day}"} for r, d in zip(rows, km, strict=True)]
    return insert_ignore(session, HistoryEvent.__table__, out, conflict=("source", "source_key"))


def _distances(rows) -> np.ndarray:
    """Great-circle km from each case's address to its team's office (NaN when unknown)."""
    pts = np.array([[np.nan if v is None else v for v in r[6:10]] for r in rows], dtype=float)
    lat1, lng1, lat2, lng2 = np.radians(pts.T)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * \
        np.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))

