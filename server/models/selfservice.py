"""The debtor's self-service: revocable links a reminder carries, and the one-time codes that
prove who opened one (server/messaging/links.py, server/messaging/codes.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, id_column, utcnow


class SelfServiceLink(Base):
    """One link for one debtor's case: the signed token names this row, so it can be revoked;
    it expires at `expires_at` whatever the token says."""

    __tablename__ = "self_service_links"

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    purpose: Mapped[str] = mapped_column(String(32), default="self_service")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(64))  # the outbox message carrying it
    failures: Mapped[int] = mapped_column(default=0)  # wrong code/id answers in a row
    locked_until: Mapped[datetime | None]  # too many wrong answers: no code until then
    verified_at: Mapped[datetime | None]  # the last time the debtor proved who they are


class SelfServiceCode(Base):
    """A one-time code sent to the number on file; only its keyed hash is kept."""

    __tablename__ = "self_service_codes"

    id: Mapped[str] = id_column()
    link_id: Mapped[str] = mapped_column(ForeignKey("self_service_links.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
