"""What the scheduled jobs of visit selection run (server/jobs/registry.py wires them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server.selection.own_records import sync_own_records
from server.selection.training import TrainingSettings, train_model


def sync_history_job(session: Session, now: datetime) -> dict:
    """Doorstep's own records and today's snapshots into the history store."""
    return sync_own_records(session, now)


def train_model_job(session: Session, now: datetime,
                    settings: TrainingSettings | None = None) -> dict:
    """Bring the history up to date, then train a model for a person to approve."""
    synced = sync_own_records(session, now)
    return {"synced": synced} | train_model(session, now, settings or TrainingSettings())
