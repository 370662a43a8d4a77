"""The model registry: list models, approve one (compliance or admin, audited), load the one
in force. Only an approved model decides; approving one retires the one before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.errors import Conflict, NotFound
from server.models import ModelStatus, SelectionModel
from server.selection.model.learner import UpliftModel

_CACHE: dict[str, UpliftModel] = {}  # model id -> fitted model (rows are immutable once stored)


def models_query() -> Select:
    """Every model, newest first."""
    return select(SelectionModel).order_by(SelectionModel.version.desc())


def approve_model(session: Session, actor_id: str, model_id: str, note: str,
                  now: datetime) -> SelectionModel:
    """Put a trained model in force; the one in force before is retired."""
    model = session.get(SelectionModel, model_id)
    if model is None:
        raise NotFound(f"no model {model_id!r}")
    if model.status != ModelStatus.TRAINED:
        raise Conflict(f"model {model.version} is {model.status}; only a trained model can be "
                       "approved", {"status": [model.status]})
    previous = session.scalars(select(SelectionModel.id).where(
        SelectionModel.status == ModelStatus.APPROVED)).all()
    session.execute(update(SelectionModel).where(SelectionModel.id.in_(previous))
                    .values(status=ModelStatus.RETIRED))
    model.status, model.approved_by, model.approved_at = ModelStatus.APPROVED, actor_id, now
    model.approval_note = note
    audit.record(session, actor_id, "selection_model.approve", "selection_model", model.id,
                 {"version": model.version, "note": note, "retired": list(previous),
                  "metrics": model.metrics}, now=now)
    session.flush()
    return model


def model_in_force(session: Session) -> tuple[SelectionModel | None, UpliftModel | None]:
    """The approved model's row and fitted model, or (None, None): then the rule decides."""
    row = session.scalar(select(SelectionModel).where(
        SelectionModel.status == ModelStatus.APPROVED)
        .order_by(SelectionModel.approved_at.desc()).limit(1))
    if row is None:
        return None, None
    if row.id not in _CACHE:
        _CACHE.clear()
        _CACHE[row.id] = UpliftModel.loads(row.artifact)
    return row, _CACHE[row.id]
