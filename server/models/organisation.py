"""Agencies (the lender itself or an outsourced collection company) and their teams."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import OPERATION_ZONE
from server.models.base import ID_LEN, Base, Timestamped, id_column


class AgencyKind:
    LENDER = "lender"
    OUTSOURCED = "outsourced"
    ALL = (LENDER, OUTSOURCED)


class Agency(Timestamped, Base):
    """A collection company; data access is scoped by the cases placed with it."""

    __tablename__ = "agencies"

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default=AgencyKind.OUTSOURCED)
    jurisdiction: Mapped[str] = mapped_column(String(16), default="CN")


class Team(Timestamped, Base):
    """A dispatcher's team of collectors working one territory."""

    __tablename__ = "teams"

    id: Mapped[str] = id_column()
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    territory: Mapped[list] = mapped_column(default=list)  # district names the team covers
    time_zone: Mapped[str] = mapped_column(String(64), default=OPERATION_ZONE)
    office_lat: Mapped[float | None]
    office_lng: Mapped[float | None]
    office_label: Mapped[str | None] = mapped_column(String(200))


__all__ = ["ID_LEN", "Agency", "AgencyKind", "Team"]
