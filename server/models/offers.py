"""Offers made at the door: a settlement (a discounted lump sum) or an instalment plan, and who
may approve how much (approval limits per role or per user, per lender or for all)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, id_column, utcnow
from server.models.facts import Fact


class OfferKind:
    SETTLEMENT = "settlement"  # pay this (less than the balance) and the debt is settled
    INSTALMENTS = "instalments"  # pay the balance (or a discounted total) in instalments
    ALL = (SETTLEMENT, INSTALMENTS)


class OfferStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    ALL = (PENDING, APPROVED, REFUSED, WITHDRAWN)


class PaymentOffer(Base):
    """What was offered at the visit, as offered: amount, schedule and discount; then decided
    by a person whose approval limit covers it. An approved plan's instalments are promises."""

    __tablename__ = "payment_offers"
    __table_args__ = (Index("ix_payment_offers_status_proposed", "status", "proposed_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    lender_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    balance: Mapped[Decimal]  # what the account owed when the offer was made
    amount: Mapped[Decimal]  # what the debtor pays in all
    discount: Mapped[Decimal]  # balance - amount (0: no discount)
    schedule: Mapped[list] = mapped_column(default=list)  # [{"due_on", "amount"}], in order
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.PENDING)
    proposed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(200))
    promise_ids: Mapped[list] = mapped_column(default=list)  # the approved plan's promises


class OfferRequest(Fact, Base):
    """An offer made at the door as the phone recorded it (device-owned, append-only); pushed
    once, it becomes the pending `payment_offers` row named in `offer_id` (set by the server).

    The discount is not the phone's to say: the server works it out from the account's balance
    when the offer arrives, and the phone pulls it with the offer."""

    __tablename__ = "offer_requests"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal]  # what the debtor pays in all: the schedule's total
    schedule: Mapped[list]  # [{"due_on": "YYYY-MM-DD", "amount": "1000.00"}]
    note: Mapped[str | None] = mapped_column(String(500))
    offer_id: Mapped[str | None] = mapped_column(String(ID_LEN))  # set by the server


class ApprovalLimit(Base):
    """How much discount and how many instalments one role (or one user, which wins) may
    approve, for one lender or (lender None) for all."""

    __tablename__ = "approval_limits"
    __table_args__ = (UniqueConstraint("subject", "lender_key"),)

    id: Mapped[str] = id_column()
    subject: Mapped[str] = mapped_column(String(80))  # "role:dispatcher" or "user:<id>"
    lender_key: Mapped[str] = mapped_column(String(64), default="*")  # a lender's id or "*"
    max_discount_pct: Mapped[Decimal]  # of the balance, 0-100
    max_discount_amount: Mapped[Decimal | None]
    max_instalments: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
