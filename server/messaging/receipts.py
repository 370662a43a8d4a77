"""Delivery receipts: what the provider says became of a sent message, applied set-based.

A receipt names the message by the provider's reference (Twilio's MessageSid) or by our id
(Alibaba Cloud's OutId). "Delivered" wins over an earlier "failed" (receipts can arrive out of
order; the handset has it), and the ledger entry of the message takes the same outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from server.db.bulk import in_values
from server.messaging import states
from server.models import ContactAttempt, OutboxMessage

OM = OutboxMessage
# Twilio's MessageStatus values that settle a message; the others (queued, sent …) don't.
TWILIO_FINAL = {"delivered": True, "read": True, "undelivered": False, "failed": False}
_SETTLED = (states.SENT, states.DELIVERED, states.FAILED)


@dataclass(frozen=True)
class Receipt:
    """One provider receipt: which message, delivered or not, when, and the provider's error."""

    ref: str
    delivered: bool
    at: datetime
    error: str | None = None


def apply_receipts(session: Session, provider: str, receipts: Sequence[Receipt]
                   ) -> dict[str, int]:
    """Settle the messages the receipts name; unknown references are counted, not an error."""
    refs = list({r.ref for r in receipts})
    if not refs:
        return {}
    found = {}
    for row in session.execute(select(OM.id, OM.provider_ref, OM.status).where(
            or_(in_values(session, OM.provider_ref, refs), in_values(session, OM.id, refs)),
            OM.status.in_(_SETTLED))):
        found[row.provider_ref] = found[row.id] = row
    updates, counts = {}, {"delivered": 0, "failed": 0, "unknown_ref": 0}
    for r in receipts:
        row = found.get(r.ref)
        if row is None:
            counts["unknown_ref"] += 1
            continue
        previous = updates.get(row.id)
        if previous is not None and previous["b_status"] == states.DELIVERED:
            continue
        if row.status == states.DELIVERED and not r.delivered:
            continue  # a late failure after delivery changes nothing
        updates[row.id] = {"b_id": row.id, "b_status": states.DELIVERED if r.delivered
                           else states.FAILED, "b_delivered": r.at if r.delivered else None,
                           "b_failed": None if r.delivered else r.at,
                           "b_error": None if r.delivered else (r.error or "undelivered")[:300],
                           "b_outcome": "delivered" if r.delivered else "undelivered"}
        counts["delivered" if r.delivered else "failed"] += 1
    _write(session, list(updates.values()))
    return {k: v for k, v in counts.items() if v}


_T, _L = OM.__table__, ContactAttempt.__table__
_MESSAGE = update(_T).where(_T.c.id == bindparam("b_id")).values(
    status=bindparam("b_status"), delivered_at=bindparam("b_delivered"),
    failed_at=bindparam("b_failed"), last_error=bindparam("b_error"))
_LEDGER = update(_L).where(_L.c.source_table == "outbox_messages",
                           _L.c.source_id == bindparam("b_id")).values(
    outcome=bindparam("b_outcome"))


def _write(session: Session, rows: list[dict]) -> None:
    if rows:
        session.connection().execute(_MESSAGE, rows)
        session.connection().execute(_LEDGER, rows)
