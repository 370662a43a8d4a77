"""Offers pushed from the phone (`offer_requests`) become pending offers through the same
service as the REST path (payments.offers.propose_offer): audited, then approved or refused by
a person whose approval limit covers them, as any other offer.

Each new row is proposed in its own savepoint right after the push inserted it; a replayed row
was not inserted, so it proposes nothing. One the service refuses (a total above the balance,
a due date before the day it was made, an account of another case, a case no longer assigned
to the collector) is taken back out and quarantined with the field named, like any bad row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.cases.field_facts import take_back
from server.errors import InvalidInput, NotFound
from server.models import OfferRequest, Role, User
from server.payments.offer_values import schedule_lines
from server.payments.offers import propose_offer
from server.sync.refs import corrected
from server.sync.validate import Rejection

TABLE = "offer_requests"


@dataclass(frozen=True)
class FieldCollector:
    """The pushing collector as the offer service sees a caller (access.Caller)."""

    user_id: str
    agency_id: str | None
    team_id: str | None
    role: str = Role.COLLECTOR


def _when(ctx, row):
    return min(corrected(row.values["recorded_at"], ctx.clock_offset_ms), ctx.who.now)


def _body(row) -> dict:
    values = row.values
    lines, _ = schedule_lines(values["schedule"])  # checked when the row was decoded
    return {"kind": values["kind"], "account_id": values.get("account_id"),
            "visit_id": values["visit_id"], "schedule": lines, "note": values.get("note")}


def _propose(session: Session, ctx, caller: FieldCollector, row) -> None:
    # Due dates are judged against the day the offer was made (the debtor's words then), the
    # balance against the account now.
    offer = propose_offer(session, caller, row.values["case_id"], _body(row), ctx.who.now,
                          ctx.who.local_date(_when(ctx, row)),
                          origin={"fact_id": row.row_id, "device_id": ctx.device_id})
    session.execute(update(OfferRequest).where(OfferRequest.id == row.row_id)
                    .values(offer_id=offer.id))


def propose_field_offers(session: Session, ctx, rows: list, rejected: list) -> list:
    """Propose the push's new offers in the order they were made; returns those kept (the
    others are taken back out and added to `rejected`)."""
    user = session.execute(select(User.agency_id, User.team_id)
                           .where(User.id == ctx.who.collector_id)).one()
    caller = FieldCollector(ctx.who.collector_id, user.agency_id, user.team_id)
    kept, failed = [], []
    for row in sorted(rows, key=lambda r: (_when(ctx, r), r.row_id)):
        try:
            with session.begin_nested():
                _propose(session, ctx, caller, row)
            kept.append(row)
        except (InvalidInput, NotFound) as exc:
            failed.append(row.row_id)
            gone = isinstance(exc, NotFound)  # the case is no longer the collector's
            rejected.append(Rejection(TABLE, row.row_id, row.operation,
                                      "not_your_case" if gone else "bad_value",
                                      exc.errors or {"case_id" if gone else "row":
                                                     [exc.message]}, row.raw))
    if failed:
        take_back(session, TABLE, failed)
    return kept
