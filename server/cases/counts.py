"""How much happened on a case, per kind of record, in one statement."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import (
    Attachment,
    CaseEvent,
    CheckIn,
    Complaint,
    Consent,
    ContactAttempt,
    FollowUp,
    Payment,
    PaymentPromise,
    Violation,
    Visit,
    VisitNote,
    VisitOutcome,
)

_BY_CASE = {"visits": Visit, "promises": PaymentPromise, "payments": Payment,
            "consents": Consent, "contact_attempts": ContactAttempt, "follow_ups": FollowUp,
            "violations": Violation, "requests": CaseEvent, "complaints": Complaint}
_BY_VISIT = {"check_ins": CheckIn, "outcomes": VisitOutcome, "notes": VisitNote,
             "attachments": Attachment}


def case_counts(session: Session, case_id: str) -> dict[str, int]:
    """Visits, facts, promises, payments, contacts, violations and requests of one case."""
    visits = select(Visit.id).where(Visit.case_id == case_id)
    parts = [select(func.count()).select_from(model).where(model.case_id == case_id)
             .scalar_subquery().label(name) for name, model in _BY_CASE.items()]
    parts += [select(func.count()).select_from(model).where(model.visit_id.in_(visits))
              .scalar_subquery().label(name) for name, model in _BY_VISIT.items()]
    return dict(session.execute(select(*parts)).mappings().one())
