"""What newly applied facts change on the server: visit state and the contact-attempt ledger.

`after_facts_applied` runs in the push's transaction, once per push, only for facts inserted
by this push (replays change nothing): visit state, the contact ledger, one active promise per
account, field verification of addresses, and compliance flags on the facts (kept, never
dropped).
"""

from __future__ import annotations

from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm import Session

from server.addresses.field import apply_field_evidence
from server.models import ContactAttempt, OutcomeCode, Visit, VisitStatus, new_id, utcnow
from server.promises.lifecycle import supersede_previous_promises
from server.rules.synced import check_synced_facts
from server.sync.bulk import insert_rows, is_postgres
from server.sync.feed import record_changes
from server.sync.refs import corrected

# Outcomes where the debtor (right party) was reached; the rest are failed attempts.
CONNECTED = frozenset({OutcomeCode.MET_DEBTOR, OutcomeCode.PAID, OutcomeCode.PROMISED,
                       OutcomeCode.DISPUTED, OutcomeCode.REFUSED, OutcomeCode.ASKED_TO_LEAVE,
                       OutcomeCode.DISTRESSED})


def after_facts_applied(session: Session, applied: dict) -> None:
    """Server-side consequences of new facts ({table: [Checked rows]}), set-based."""
    ids = {table: [row.row_id for row in rows] for table, rows in applied.items() if rows}
    outcomes = applied.get("visit_outcomes", [])
    if outcomes:
        _complete_visits(session, outcomes)
        _ledger_visits(session, outcomes)
    if ids.get("payment_promises"):
        supersede_previous_promises(session, ids["payment_promises"])
    if ids.keys() & {"check_ins", "visit_outcomes", "address_reports"}:
        apply_field_evidence(session, check_in_ids=ids.get("check_ins", ()),
                             outcome_ids=ids.get("visit_outcomes", ()),
                             report_ids=ids.get("address_reports", ()))
    if ids:
        check_synced_facts(session, ids)


def _when(row):
    return corrected(row.values["recorded_at"], row.values.get("clock_offset_ms"))


def _complete_visits(session: Session, outcomes) -> None:
    """A visit with an outcome is completed; the latest outcome (by corrected time) wins."""
    latest: dict[str, object] = {}
    for row in sorted(outcomes, key=_when):
        latest[row.values["visit_id"]] = row
    visits = Visit.__table__
    stmt = (update(visits)
            .where(visits.c.id == bindparam("b_id"), visits.c.status != VisitStatus.CANCELLED,
                   or_(visits.c.completed_at.is_(None),
                       visits.c.completed_at <= bindparam("b_at")))
            .values(status=VisitStatus.COMPLETED, outcome_code=bindparam("b_code"),
                    completed_at=bindparam("b_at"), updated_at=utcnow(),
                    version=visits.c.version + 1))
    if is_postgres(session):
        # One statement over arrays instead of one UPDATE per visit.
        session.connection().exec_driver_sql(
            "UPDATE visits SET status = %s, outcome_code = o.code, completed_at = o.at,"
            " updated_at = %s, version = visits.version + 1"
            " FROM unnest(%s::text[], %s::text[], %s::timestamptz[]) AS o(id, code, at)"
            " WHERE visits.id = o.id AND visits.status <> %s"
            " AND (visits.completed_at IS NULL OR visits.completed_at <= o.at)",
            (VisitStatus.COMPLETED, utcnow(), list(latest),
             [r.values["code"] for r in latest.values()],
             [_when(r) for r in latest.values()], VisitStatus.CANCELLED))
    else:
        session.connection().execute(stmt, [
            {"b_id": vid, "b_code": row.values["code"], "b_at": _when(row)}
            for vid, row in latest.items()])
    record_changes(session, "visits", sorted(latest))


def _ledger_visits(session: Session, outcomes) -> None:
    """One contact attempt per outcome (unique by source), failed visits included."""
    rows = []
    for row in outcomes:
        v = row.values
        rows.append({"id": new_id(), "case_id": row.extra["case_id"], "channel": "visit",
                     "party_id": v.get("party_met_id") or row.extra.get("debtor_id"),
                     "user_id": v.get("user_id"), "occurred_at": _when(row),
                     "connected": v["code"] in CONNECTED, "outcome": v["code"],
                     "source_table": "visit_outcomes", "source_id": row.row_id})
    insert_rows(session, ContactAttempt.__table__, rows, ignore_conflicts=True)
