"""Follow-up tasks, the contact-attempt ledger caps count, and the outbound message outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Timestamped, id_column, utcnow


class FollowUpKind:
    REVISIT = "revisit"
    CALL = "call"
    REMINDER = "reminder"
    REVIEW = "review"
    ALL = (REVISIT, CALL, REMINDER, REVIEW)


class FollowUp(Timestamped, Base):
    """A task created by a rule or a person, due at a time, with a reason."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_status_due", "status", "due_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300))
    # pending (promise monitor: not yet timed by the compliance rules), open, done, cancelled
    status: Mapped[str] = mapped_column(String(16), default="open")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(300))


class ContactAttempt(Base):
    """Every visit, call or message, failed ones included: the ledger frequency caps count."""

    __tablename__ = "contact_attempts"
    __table_args__ = (
        UniqueConstraint("source_table", "source_id"),
        Index("ix_contact_attempts_case_at", "case_id", "occurred_at"),
    )

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    contact_point_id: Mapped[str | None] = mapped_column(ForeignKey("contact_points.id"))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    channel: Mapped[str] = mapped_column(String(16))  # visit, call, sms, email
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime]
    connected: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str | None] = mapped_column(String(32))
    source_table: Mapped[str | None] = mapped_column(String(48))
    source_id: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    """A message for a gateway to send (SMS reminders, visit notices); deduplicated by key."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due", "status", "due_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    recipient: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(1000))
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    # pending -> sending (claimed under a lease) -> sent -> delivered | failed; or blocked
    # (the rules forbid it at send time), cancelled (an operator), unknown (interrupted on a
    # provider without idempotency keys: a person decides). server/messaging/states.py.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    sent_at: Mapped[datetime | None]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    params: Mapped[dict | None]  # the template's variables (provider templates are filled remotely)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None]
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
