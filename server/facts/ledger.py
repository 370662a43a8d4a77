"""The contact-attempt ledger of visits: one attempt per stored outcome, failed visits included.

Frequency caps count this ledger. It is derived from the stored outcomes, so it is written by
the effects drain that follows a push (server/facts/deferred.py) and can always be rebuilt:
an outcome enters it once (unique by source), however often it is processed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.bulk import in_values, insert_rows, is_postgres
from server.models import Case, ContactAttempt, OutcomeCode, Visit, VisitOutcome, new_id
from server.sync.refs import corrected

# Outcomes where the debtor (right party) was reached; the rest are failed attempts.
CONNECTED = frozenset({OutcomeCode.MET_DEBTOR, OutcomeCode.PAID, OutcomeCode.PROMISED,
                       OutcomeCode.DISPUTED, OutcomeCode.REFUSED, OutcomeCode.ASKED_TO_LEAVE,
                       OutcomeCode.DISTRESSED})


def ledger_outcomes(session: Session, outcome_ids: Sequence[str]) -> None:
    """Enter these stored outcomes in the ledger (those already in it are skipped)."""
    if not outcome_ids:
        return
    if is_postgres(session):
        # Straight from the stored outcomes: no row travels back to the database.
        session.connection().exec_driver_sql(
            "INSERT INTO contact_attempts (id, case_id, channel, party_id, user_id, occurred_at,"
            " connected, outcome, source_table, source_id)"
            " SELECT replace(gen_random_uuid()::text, '-', ''), v.case_id, 'visit',"
            " coalesce(o.party_met_id, c.debtor_id), o.user_id,"
            " o.recorded_at + coalesce(o.clock_offset_ms, 0) * interval '1 millisecond',"
            " o.code = ANY(%s::text[]), o.code, 'visit_outcomes', o.id"
            " FROM visit_outcomes o JOIN visits v ON v.id = o.visit_id"
            " JOIN cases c ON c.id = v.case_id"
            " WHERE o.id = ANY(%s::text[]) ON CONFLICT DO NOTHING",
            (sorted(CONNECTED), list(outcome_ids)))
        return
    o = VisitOutcome
    rows = [{"id": new_id(), "case_id": case_id, "channel": "visit",
             "party_id": party_met_id or debtor_id, "user_id": user_id,
             "occurred_at": corrected(recorded_at, offset_ms), "connected": code in CONNECTED,
             "outcome": code, "source_table": "visit_outcomes", "source_id": outcome_id}
            for outcome_id, case_id, party_met_id, debtor_id, user_id, recorded_at, offset_ms,
            code in session.execute(
                select(o.id, Visit.case_id, o.party_met_id, Case.debtor_id, o.user_id,
                       o.recorded_at, o.clock_offset_ms, o.code)
                .join(Visit, Visit.id == o.visit_id).join(Case, Case.id == Visit.case_id)
                .where(in_values(session, o.id, outcome_ids)))]
    insert_rows(session, ContactAttempt.__table__, rows, ignore_conflicts=True)
