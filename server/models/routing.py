"""Stored daily route plans: ordered stops with ETAs, and what was dropped and why."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, id_column, utcnow


class RoutePlan(Base):
    """One collector's plan for one day; a re-plan replaces it."""

    __tablename__ = "route_plans"
    __table_args__ = (UniqueConstraint("collector_id", "plan_date"),)

    id: Mapped[str] = id_column()
    collector_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    plan_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # crew mate, if any
    start_lat: Mapped[float | None]  # where the route leaves from and returns to
    start_lng: Mapped[float | None]
    end_lat: Mapped[float | None]
    end_lng: Mapped[float | None]
    depart_at: Mapped[datetime | None]
    return_at: Mapped[datetime | None]
    total_distance_m: Mapped[int] = mapped_column(default=0)
    total_duration_s: Mapped[int] = mapped_column(default=0)
    dropped: Mapped[list] = mapped_column(default=list)  # [{"visit_id":…, "reason":…}]
    solver: Mapped[dict] = mapped_column(default=dict)  # runtime, iterations, cost, feasible


class RouteStop(Base):
    """One stop of a plan, in driving order."""

    __tablename__ = "route_stops"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[str] = id_column()
    plan_id: Mapped[str] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"))
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    collector_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int]
    eta: Mapped[datetime]
    service_start: Mapped[datetime]
    service_end: Mapped[datetime | None]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    leg_distance_m: Mapped[int] = mapped_column(default=0)
    leg_duration_s: Mapped[int] = mapped_column(default=0)


class PlanningRun(Base):
    """A team's day planned in the background: who asked, for what, and how far it got."""

    __tablename__ = "planning_runs"

    id: Mapped[str] = id_column()
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))  # caller's scope
    plan_date: Mapped[date]
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    collectors: Mapped[list | None]  # collector ids, when not a whole team
    status: Mapped[str] = mapped_column(String(16), default="queued")  # running, completed, failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    vehicles_done: Mapped[int] = mapped_column(default=0, server_default="0")
    vehicles_total: Mapped[int | None]  # routes to solve, known once the crews are formed
    report: Mapped[dict] = mapped_column(default=dict)  # totals, or the error of a failed run
