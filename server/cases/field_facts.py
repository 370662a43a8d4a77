"""Pushed `case_requests` and `call_logs` facts become what staff recording them makes: a case
event with its effects (server/cases/requests.py), a call in the contact ledger (calls.py).

Each new fact is applied in its own savepoint right after the push inserted it (replays were
not inserted, so they change nothing). One that cannot be applied (nothing to lift, a number
that is not the case's) is taken back out and quarantined like any bad row.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.cases.calls import add_call
from server.cases.requests import apply_request
from server.errors import InvalidInput, NotFound
from server.models import Case, CaseRequestFact, SyncChange
from server.sync.refs import corrected
from server.sync.validate import Rejection

# Columns of a pushed request that are the request itself (what the REST body holds).
REQUEST_FIELDS = ("kind", "via", "channel", "contact_point_id", "opt_out_id", "address_id",
                  "visit_id", "until", "reason", "category", "windows", "value", "note")


def _when(ctx, row):
    return corrected(row.values["recorded_at"], ctx.clock_offset_ms)


def _request(session: Session, ctx, case: Case, row) -> None:
    spec = {k: row.values[k] for k in REQUEST_FIELDS if row.values.get(k) is not None}
    event, _ = apply_request(session, ctx.who.collector_id, case, spec, ctx.who.now, ctx.replan,
                             occurred_at=min(_when(ctx, row), ctx.who.now),
                             device_id=ctx.device_id, fact_id=row.row_id)
    session.execute(update(CaseRequestFact).where(CaseRequestFact.id == row.row_id)
                    .values(event_id=event.id))


def _call(session: Session, ctx, case: Case, row) -> None:
    spec = {"contact_point_id": row.values["contact_point_id"],
            "connected": row.values["connected"], "outcome": row.values.get("outcome"),
            "occurred_at": min(_when(ctx, row), ctx.who.now),
            "visit_id": row.values.get("visit_id")}
    add_call(session, ctx.who.collector_id, case, spec, ctx.who.now, ("call_logs", row.row_id))


RECORDERS = {"case_requests": _request, "call_logs": _call}


def record_field_facts(session: Session, ctx, applied: dict, rejected: list) -> None:
    """Apply the push's new requests and calls in the order they happened; those that cannot
    be applied leave `applied` for `rejected`."""
    for name, record in RECORDERS.items():
        rows = applied.get(name)
        if not rows:
            continue
        cases = {c.id: c for c in session.scalars(select(Case).where(
            Case.id.in_({r.values["case_id"] for r in rows})))}
        kept, failed = [], []
        for row in sorted(rows, key=lambda r: (_when(ctx, r), r.row_id)):
            try:
                with session.begin_nested():
                    record(session, ctx, cases[row.values["case_id"]], row)
                kept.append(row)
            except (InvalidInput, NotFound) as exc:
                failed.append(row.row_id)
                rejected.append(Rejection(name, row.row_id, row.operation, "bad_value",
                                          exc.errors or {"row": [exc.message]}, row.raw))
        if failed:
            take_back(session, name, failed)
        applied[name] = kept


def take_back(session: Session, name: str, row_ids: list[str]) -> None:
    """Remove facts this push inserted and could not apply, with their change-feed notes."""
    table = CaseRequestFact.__table__.metadata.tables[name]
    session.execute(delete(table).where(table.c.id.in_(row_ids)))
    session.execute(delete(SyncChange).where(SyncChange.table_name == name,
                                             SyncChange.row_id.in_(row_ids),
                                             SyncChange.op == "upsert"))
