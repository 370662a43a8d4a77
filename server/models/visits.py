"""Visits (one planned trip to one address for one case) and who is assigned to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Timestamped, id_column, utcnow


class VisitStatus:
    PLANNED = "planned"  # created, nobody assigned yet
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    MISSED = "missed"
    ALL = (PLANNED, ASSIGNED, IN_PROGRESS, COMPLETED, CANCELLED, MISSED)
    OPEN = (PLANNED, ASSIGNED, IN_PROGRESS)


class Visit(Timestamped, Base):
    """A planned visit: due date, optional appointment window, purpose, required collectors."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_date_status", "scheduled_on", "status"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    address_id: Mapped[str] = mapped_column(ForeignKey("addresses.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.PLANNED)
    scheduled_on: Mapped[date]
    window_start: Mapped[datetime | None]  # an appointment the debtor made (UTC)
    window_end: Mapped[datetime | None]
    mandatory: Mapped[bool] = mapped_column(default=False)  # appointments, promised revisits
    purpose: Mapped[str] = mapped_column(String(200), default="collection")
    talking_points: Mapped[str | None] = mapped_column(Text)
    offer: Mapped[str | None] = mapped_column(Text)
    required_collectors: Mapped[int] = mapped_column(default=2)
    priority: Mapped[int] = mapped_column(default=0)
    service_minutes: Mapped[int] = mapped_column(default=20)
    outcome_code: Mapped[str | None] = mapped_column(String(32))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class VisitAssignee(Base):
    """One collector on a visit; two rows make a two-person visit. ended_at closes it."""

    __tablename__ = "visit_assignees"
    __table_args__ = (UniqueConstraint("visit_id", "user_id"),)

    id: Mapped[str] = id_column()
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="lead")  # lead, second
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(String(500))
    ended_at: Mapped[datetime | None]
