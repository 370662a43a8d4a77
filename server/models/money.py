"""Payment promises (PTPs) and payments/receipts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.models.facts import Fact


class PromiseStatus:
    ACTIVE = "active"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
    ALL = (ACTIVE, KEPT, BROKEN, CANCELLED, SUPERSEDED)


class PaymentPromise(Fact, Base):
    """Amount + due date the debtor promised; only the server decides kept or broken."""

    __tablename__ = "payment_promises"
    __table_args__ = (Index("ix_payment_promises_status_due", "status", "due_on"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=PromiseStatus.ACTIVE)
    status_changed_at: Mapped[datetime | None]
    superseded_by: Mapped[str | None] = mapped_column(String(64))
    paid_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    # Set when the promise is implausible (e.g. above the balance): kept out of supersession,
    # the monitor and keep rates until a person clears it (audited). Never sent to devices.
    review_flag: Mapped[str | None] = mapped_column(String(200))


class Payment(Fact, Base):
    """Money recorded in the field or reported by the lender; voided, never deleted."""

    __tablename__ = "payments"
    # A receipt number is unique per lender (each lender prints its own receipt books).
    __table_args__ = (UniqueConstraint("lender_id", "receipt_no"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    method: Mapped[str] = mapped_column(String(16))  # cash, transfer, qr, lender
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    # The lender of the account, set by the server (never sent by a device).
    lender_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    paid_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(200))
    reissue_of: Mapped[str | None] = mapped_column(String(64))
    # Set when the payment is implausible (e.g. above the balance): it keeps no promise until a
    # person clears it (audited). Never sent to devices.
    review_flag: Mapped[str | None] = mapped_column(String(200))
