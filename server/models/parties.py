"""Parties: the debtor and the people related to a debt (guarantor, spouse, references …)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Timestamped, id_column


class Party(Timestamped, Base):
    """A person; holds, vulnerability and attorney representation drive compliance."""

    __tablename__ = "parties"
    __table_args__ = (
        UniqueConstraint("lender_id", "external_id"),
        # GET /cases searches names by prefix (LIKE 'x%') and national ids by their last 4.
        Index("ix_parties_full_name", "full_name",
              postgresql_ops={"full_name": "varchar_pattern_ops"}),
        Index("ix_parties_national_id_last4", func.substr(
            text("national_id"), func.length(text("national_id")) - 3)),
    )

    id: Mapped[str] = id_column()
    lender_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(120))
    national_id: Mapped[str | None] = mapped_column(String(32))
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date | None]
    language: Mapped[str] = mapped_column(String(16), default="zh-CN")
    vulnerable: Mapped[bool] = mapped_column(default=False)
    vulnerability_note: Mapped[str | None] = mapped_column(String(500))
    attorney_represented: Mapped[bool] = mapped_column(default=False)
    hold_until: Mapped[date | None]  # sensitive occasion: bereavement, disaster, wedding
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    preferred_windows: Mapped[list] = mapped_column(default=list)  # [{"from":"18:00","to":"20:00"}]


class RelationshipKind:
    GUARANTOR = "guarantor"
    SPOUSE = "spouse"
    REFERENCE = "reference"
    EMPLOYER = "employer"
    FAMILY = "family"
    ALL = (GUARANTOR, SPOUSE, REFERENCE, EMPLOYER, FAMILY)


class PartyRelationship(Base):
    """How another party relates to a debtor, and whether they are liable for the debt."""

    __tablename__ = "party_relationships"
    __table_args__ = (UniqueConstraint("debtor_id", "party_id"),)

    id: Mapped[str] = id_column()
    debtor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(32))
    debt_related: Mapped[bool] = mapped_column(default=False)
