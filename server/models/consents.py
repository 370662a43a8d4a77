"""Consent texts (versioned) and the consents people gave against an exact version."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, id_column
from server.models.facts import Fact


class ConsentKind:
    RECORDING = "recording"
    CONTACT_TIME = "contact_time"
    CONTACT_PLACE = "contact_place"
    DATA_PROCESSING = "data_processing"
    VISIT = "visit"
    ALL = (RECORDING, CONTACT_TIME, CONTACT_PLACE, DATA_PROCESSING, VISIT)


class ConsentText(Base):
    """The exact wording a person agrees to; a new wording is a new version, never an edit."""

    __tablename__ = "consent_texts"
    __table_args__ = (UniqueConstraint("code", "version", "language"),)

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(16), default="zh-CN")
    kind: Mapped[str] = mapped_column(String(24))
    body: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date]


class Consent(Fact, Base):
    """What a person agreed to, how, when and where; withdrawal is a later fact."""

    __tablename__ = "consents"

    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    consent_text_id: Mapped[str] = mapped_column(ForeignKey("consent_texts.id"))
    kind: Mapped[str] = mapped_column(String(24))
    method: Mapped[str] = mapped_column(String(24))  # verbal_recorded, signature, in_app
    granted_at: Mapped[datetime]
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    scope: Mapped[dict] = mapped_column(default=dict)  # e.g. {"from": "21:00", "to": "22:00"}
    withdrawn_at: Mapped[datetime | None]
    withdraws: Mapped[str | None] = mapped_column(String(64))  # id of the consent withdrawn
