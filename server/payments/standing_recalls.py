"""Standing recall rules: a lender keeps its recall rules (server/payments/recall_rules.py) and
the nightly job applies them, as a real run by nobody, to what is placed at that time.

The rules are checked when they are stored; an agency named in them that is gone by the night
(renamed, no longer outsourced) stops that lender's run with the reason kept on the row, and
the other lenders' runs go on.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.errors import InvalidInput, NotFound
from server.models import Agency, StandingRecallRules
from server.payments.recall_rules import check_rules, jsonable_rules, recall_by_rules

FIELDS = ("rules", "agencies", "active", "return_case", "note")


def _answer(session: Session, row: StandingRecallRules) -> dict:
    return {"lender": session.get(Agency, row.lender_id).code,
            **{k: getattr(row, k) for k in (*FIELDS, "updated_by", "updated_at",
                                             "last_run_at", "last_result", "last_error")}}


def standing_rules(session: Session, lender_id: str) -> dict:
    """The lender's standing recall rules, else NotFound."""
    row = session.get(StandingRecallRules, lender_id)
    if row is None:
        raise NotFound("no standing recall rules for this lender")
    return _answer(session, row)


def set_standing_rules(session: Session, actor_id: str | None, lender_id: str, spec: dict,
                       now: datetime) -> dict:
    """Store (replace) the lender's standing recall rules once they are valid (audited)."""
    check_rules(session, spec["rules"], spec.get("agencies") or [])
    row = session.get(StandingRecallRules, lender_id)
    if row is None:
        row = StandingRecallRules(lender_id=lender_id)
        session.add(row)
    row.rules, row.agencies = jsonable_rules(spec["rules"]), list(spec.get("agencies") or [])
    row.active, row.return_case = spec["active"], spec["return_case"]
    row.note, row.updated_by, row.updated_at, row.last_error = \
        spec.get("note"), actor_id, now, None
    audit.record(session, actor_id, "placement.standing_recall_rules", "lender", lender_id,
                 {k: getattr(row, k) for k in FIELDS}, now=now)
    session.flush()
    return _answer(session, row)


def _loaded(rules: list[dict]) -> list[dict]:
    """Stored rules as the request gave them (the rate back to a Decimal)."""
    return [{**r, **({"recovery_rate_below": Decimal(r["recovery_rate_below"])}
                     if r.get("recovery_rate_below") is not None else {})} for r in rules]


def run_standing_recalls(session: Session, now: datetime) -> dict:
    """The nightly job: every active lender's standing rules, as a real run."""
    rows = session.scalars(select(StandingRecallRules).where(
        StandingRecallRules.active.is_(True)).order_by(StandingRecallRules.lender_id)).all()
    recalled = failed = 0
    for row in rows:
        spec = {"rules": _loaded(row.rules), "agencies": row.agencies, "dry_run": False,
                "return_case": row.return_case, "note": row.note or "standing rules",
                "limit": 1, "offset": 0}
        try:
            result = recall_by_rules(session, None, row.lender_id, spec, now)
        except InvalidInput as exc:  # nothing was written: the rules are checked first
            row.last_run_at, row.last_error = now, f"{exc}: {exc.errors}"[:500]
            failed += 1
            continue
        row.last_run_at, row.last_error = now, None
        row.last_result = {k: result[k] for k in (
            "matched", "recalled", "returned", "visits", "assignments", "follow_ups",
            "reminders", "promises")}
        recalled += result["recalled"]
    return {"lenders": len(rows), "recalled": recalled, "failed": failed}
