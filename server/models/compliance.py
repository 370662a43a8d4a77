"""Rule profiles (data, versioned) and the violations found against them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, id_column, utcnow


class RuleProfile(Base):
    """A set of rule parameters for a jurisdiction, a lender or an agency."""

    __tablename__ = "rule_profiles"

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    scope: Mapped[str] = mapped_column(String(16), default="jurisdiction")  # or lender, agency
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    params: Mapped[dict]
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RuleProfileVersion(Base):
    """Every past version of a profile, kept for audit and for judging old facts."""

    __tablename__ = "rule_profile_versions"
    __table_args__ = (UniqueConstraint("profile_id", "version"),)

    id: Mapped[str] = id_column()
    profile_id: Mapped[str] = mapped_column(ForeignKey("rule_profiles.id"), index=True)
    version: Mapped[int]
    params: Mapped[dict]
    changed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(500))


class Violation(Base):
    """A rule broken by a synced fact or an override, flagged for compliance review."""

    __tablename__ = "violations"

    id: Mapped[str] = id_column()
    rule: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(8), default="block")
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    fact_table: Mapped[str | None] = mapped_column(String(48))
    fact_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict] = mapped_column(default=dict)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, reviewed, dismissed
    reviewed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(500))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
