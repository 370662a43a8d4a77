"""Message templates as data, the forbidden wording per jurisdiction, and inbound replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, id_column, utcnow


class MessageTemplate(Base):
    """One reviewed version of a message text in one language, with the provider's registered
    template id and signature (CN SMS templates are registered with the provider in advance)."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("code", "language", "version"),)

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(64))  # what the outbox names: ptp_reminder …
    language: Mapped[str] = mapped_column(String(16), default="zh-CN")
    version: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    jurisdiction: Mapped[str | None] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000))
    provider_template_id: Mapped[str | None] = mapped_column(String(64))
    sign_name: Mapped[str | None] = mapped_column(String(64))
    may_reach_third_party: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WordingList(Base):
    """Words and phrases a message text may not contain in one jurisdiction."""

    __tablename__ = "message_wording_lists"

    jurisdiction: Mapped[str] = mapped_column(String(8), primary_key=True)
    phrases: Mapped[list] = mapped_column(default=list)
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundAction:
    OPT_OUT = "opt_out"  # a stop word: recorded as the debtor's stop-contact request
    FOR_REVIEW = "for_review"  # any other reply: on the case, with a follow-up for a person
    UNMATCHED = "unmatched"  # no debtor has this number
    ALL = (OPT_OUT, FOR_REVIEW, UNMATCHED)


class InboundMessage(Base):
    """A reply a provider passed on; replays of the same provider id are recognised."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("provider", "provider_ref"),
                      Index("ix_inbound_messages_case_at", "case_id", "received_at"))

    id: Mapped[str] = id_column()
    provider: Mapped[str] = mapped_column(String(16))
    provider_ref: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    action: Mapped[str] = mapped_column(String(16))
    follow_up_id: Mapped[str | None] = mapped_column(ForeignKey("follow_ups.id"))
