"""What newly applied facts change on the server within the push: visit state, promises, offers.

`after_facts_applied` runs in the push's transaction, once per push, only for facts inserted
by this push (replays change nothing): visits completed by outcomes and one active promise per
account, which devices pull. What is derived from the facts for the server's own use (the
contact ledger, field verification of addresses, compliance flags) is queued in the same
transaction and worked out right after the push commits (server/facts/deferred.py).
"""

from __future__ import annotations

from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm import Session

from server.db.bulk import is_postgres
from server.db.feed import record_changes
from server.facts import deferred
from server.models import Visit, VisitStatus, utcnow
from server.payments.field_offers import propose_field_offers
from server.payments.matching import match_late_receipts
from server.promises.lifecycle import supersede_previous_promises
from server.sync.refs import corrected
from server.sync.tables import (
    COMPLETES_VISIT,
    MATCHES_POSTING,
    PROPOSES_OFFER,
    SUPERSEDES,
    with_effect,
)


def after_facts_applied(session: Session, applied: dict) -> None:
    """Server-side consequences of new facts ({table: [Checked rows]}), set-based.

    Which tables have which effect is declared on the registry (server/sync/tables.py)."""
    for effect, run in IN_THE_PUSH:
        rows = [row for name in with_effect(effect) for row in applied.get(name, ())]
        if rows:
            run(session, rows)
    deferred.enqueue(session, {table: [row.row_id for row in rows]
                               for table, rows in applied.items() if rows})


def _supersede(session: Session, promises) -> None:
    supersede_previous_promises(session, [row.row_id for row in promises])


def _match_receipts(session: Session, payments) -> None:
    match_late_receipts(session, [row.row_id for row in payments])


def _when(row):
    return corrected(row.values["recorded_at"], row.values.get("clock_offset_ms"))


def _complete_visits(session: Session, outcomes) -> None:
    """A visit with an outcome is completed; the latest outcome (by corrected time) wins."""
    latest: dict[str, object] = {}
    for row in sorted(outcomes, key=_when):
        latest[row.values["visit_id"]] = row
    if is_postgres(session):
        # One statement over arrays instead of one UPDATE per visit; it notes the visits it
        # completed in the change feed too.
        session.connection().exec_driver_sql(
            "WITH done AS (UPDATE visits SET status = %s, outcome_code = o.code,"
            " completed_at = o.at, updated_at = %s, version = visits.version + 1"
            " FROM unnest(%s::text[], %s::text[], %s::timestamptz[]) AS o(id, code, at)"
            " WHERE visits.id = o.id AND visits.status <> %s"
            " AND (visits.completed_at IS NULL OR visits.completed_at <= o.at)"
            " RETURNING visits.id)"
            " INSERT INTO sync_changes (txid, table_name, row_id, op, changed_at)"
            " SELECT pg_current_xact_id()::text::bigint, 'visits', id, 'upsert', %s FROM done",
            (VisitStatus.COMPLETED, utcnow(), list(latest),
             [r.values["code"] for r in latest.values()],
             [_when(r) for r in latest.values()], VisitStatus.CANCELLED, utcnow()))
    else:
        visits = Visit.__table__
        stmt = (update(visits)
                .where(visits.c.id == bindparam("b_id"), visits.c.status != VisitStatus.CANCELLED,
                       or_(visits.c.completed_at.is_(None),
                           visits.c.completed_at <= bindparam("b_at")))
                .values(status=VisitStatus.COMPLETED, outcome_code=bindparam("b_code"),
                        completed_at=bindparam("b_at"), updated_at=utcnow(),
                        version=visits.c.version + 1))
        session.connection().execute(stmt, [
            {"b_id": vid, "b_code": row.values["code"], "b_at": _when(row)}
            for vid, row in latest.items()])
        record_changes(session, "visits", sorted(latest))


# The effects done in the push's own transaction, in this order.
IN_THE_PUSH = ((COMPLETES_VISIT, _complete_visits), (SUPERSEDES, _supersede),
               (MATCHES_POSTING, _match_receipts))


def after_facts_inserted(session: Session, ctx, applied: dict, rejected: list) -> None:
    """Effects that may still refuse a fact this push inserted, row by row in savepoints (an
    offer the offer service refuses): those rows leave `applied` for `rejected`."""
    for effect, run in MAY_REFUSE:
        for name in with_effect(effect):
            if applied.get(name):
                applied[name] = run(session, ctx, applied[name], rejected)


# The effects that may refuse their rows, run right after insertion, before IN_THE_PUSH.
MAY_REFUSE = ((PROPOSES_OFFER, propose_field_offers),)
