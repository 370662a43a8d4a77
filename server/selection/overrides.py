"""A dispatcher's override of the day's choice for one case (include or exclude), recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.access import Caller, case_visible
from server.audit import service as audit
from server.errors import Conflict, NotFound
from server.models import Case, SelectionScore


def visible_scores(caller: Caller) -> Select:
    """Score rows of the cases the caller's agency may work."""
    return (select(SelectionScore).join(Case, Case.id == SelectionScore.case_id)
            .where(case_visible(caller)))


def override_score(session: Session, caller: Caller, score_id: str, action: str, reason: str,
                   now: datetime) -> SelectionScore:
    """Include or exclude the case on that day whatever the model said; audited."""
    score = session.scalar(visible_scores(caller).where(SelectionScore.id == score_id))
    if score is None:
        raise NotFound(f"no selection score {score_id!r}")
    if action == "include" and score.excluded:
        raise Conflict(f"the case may not be visited ({score.excluded}); the compliance rules "
                       "decide that, not an override", {"action": [score.excluded]})
    before = {"selected": score.selected, "override": score.override}
    score.override, score.override_reason = action, reason
    score.override_by, score.override_at = caller.user_id, now
    score.selected = action == "include"
    audit.record(session, caller.user_id, "selection.override", "selection_score", score.id,
                 {"case_id": score.case_id, "date": str(score.scored_on), "action": action,
                  "reason": reason, "before": before, "expected_value": score.expected_value},
                 now=now)
    session.flush()
    return score
