"""Checks of pushed facts that need the database: device times, due dates, plausibility.

A value outside what the docs allow rejects its row (quarantine, `bad_value`); a valid but
implausible one (a payment or promise above the account's balance) is stored with a
`review_flag` for a person, and kept out of the promise monitor and keep rates until cleared.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.compliance.effective import ProfileResolver
from server.db.bulk import in_values
from server.models import Case
from server.sync.tables import REVIEW_FLAG, with_effect
from server.sync.values import due_date_errors, shift, time_errors

FLAGGED_TABLES = with_effect(REVIEW_FLAG)  # declared per table on the registry


def promise_limits(session: Session, promises: Sequence) -> dict[str, int]:
    """{case_id: promise_max_days} of the effective profile of each pushed promise's case."""
    case_ids = {r.values.get("case_id") for r in promises if r.values.get("case_id")}
    if not case_ids:
        return {}
    cases = session.execute(select(Case.id, Case.jurisdiction, Case.lender_id).where(
        in_values(session, Case.id, case_ids))).all()
    profiles = ProfileResolver(session).for_cases(cases)
    return {case_id: profile.promise_max_days for case_id, profile in profiles.items()}


def field_errors(ctx, row, reach, limits: dict[str, int]) -> dict[str, list[str]]:
    """Column -> messages for a fact's times and due date; sets its review flag if any."""
    values, offset = row.values, ctx.clock_offset_ms
    errors = time_errors(values, offset, ctx.who.now,
                         reach.visit_created.get(values.get("visit_id")))
    if row.table == "payment_promises" and "recorded_at" not in errors:
        made_on = ctx.who.local_date(shift(values["recorded_at"], offset))
        limit = limits.get(values.get("case_id"))
        if limit is not None:  # an unknown case is refused by its references
            errors.update(due_date_errors(values["due_on"], made_on, limit))
    if row.table in FLAGGED_TABLES:
        values["review_flag"] = None if errors else _implausible(values, reach)
    if row.table == "payments":  # receipt numbers are unique per lender
        values["lender_id"] = reach.lenders.get(values.get("account_id"))
    return errors


def _implausible(values: dict, reach) -> str | None:
    balance = reach.balances.get(values.get("account_id"))
    if balance is not None and values["amount"] > balance:
        return f"amount {values['amount']} above the account's balance {balance}"
    return None
