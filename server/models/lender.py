"""The lender's side of the money: machine clients, postings from its core system, conflicts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, id_column, utcnow


class ApiClient(Base):
    """A machine-to-machine credential of one lender: a scoped token, only its hash stored."""

    __tablename__ = "api_clients"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(120))
    lender_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    scopes: Mapped[list] = mapped_column(default=list)  # e.g. ["payments:write"]
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))


class PostingKind:
    PAYMENT = "payment"
    REVERSAL = "reversal"
    ALL = (PAYMENT, REVERSAL)


class ReversalReason:
    NSF = "nsf"
    CHARGEBACK = "chargeback"
    ERROR = "error"
    ALL = (NSF, CHARGEBACK, ERROR)


class LenderPosting(Base):
    """Money the lender's own systems received, or its reversal; keyed by the lender's
    transaction id. `account_id` None: no such account (kept, listed for a person)."""

    __tablename__ = "lender_postings"
    __table_args__ = (
        UniqueConstraint("lender_id", "txn_id"),
        Index("ix_lender_postings_account_paid", "account_id", "paid_at"),
        # Only the matched few are indexed: every lookup is by a payment's id (an equality,
        # which implies NOT NULL), and a posting is inserted unmatched, so an import of a
        # million postings writes no entry here.
        Index("ix_lender_postings_matched_payment_id", "matched_payment_id",
              postgresql_where=text("matched_payment_id IS NOT NULL"),
              sqlite_where=text("matched_payment_id IS NOT NULL")))

    id: Mapped[str] = id_column()
    # lender_id and account_id reference agencies and accounts without a foreign key: the
    # ingest writes them from the caller's lender and from a join with the accounts in the
    # same transaction, neither table's rows are ever deleted, and the two per-row checks
    # cost a million-posting file ~28 s (docs/decisions.md, D-postings-no-foreign-keys).
    lender_id: Mapped[str] = mapped_column(String(ID_LEN))
    txn_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=PostingKind.PAYMENT)
    account_ref: Mapped[str] = mapped_column(String(64))  # the lender's account id, as sent
    account_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    paid_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16), default="transfer")
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    reverses_txn_id: Mapped[str | None] = mapped_column(String(64))
    reversal_reason: Mapped[str | None] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))  # content hash: a replay vs a conflict
    source: Mapped[str] = mapped_column(String(8), default="api")  # api or file
    client_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by a reversal of this payment: the money no longer counts anywhere.
    reversed_at: Mapped[datetime | None]
    # The collector's receipt this posting is the same money as (counted once, as the posting).
    matched_payment_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    # What the account owed as overdue before this payment cleared it: a reversal restores it.
    due_since_before: Mapped[date | None]
    resolved_at: Mapped[datetime | None]  # an unmatched posting a person has dealt with
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(16))  # matched or dismissed
    resolution_note: Mapped[str | None] = mapped_column(String(200))


class PostingConflict(Base):
    """A posting whose transaction id was already used with other content: kept for a person."""

    __tablename__ = "posting_conflicts"

    id: Mapped[str] = id_column()
    lender_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    txn_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(8), default="api")
    client_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(16))  # accepted or rejected
    resolution_note: Mapped[str | None] = mapped_column(String(200))


class CashDeposit(Base):
    """A collector's hand-in of field cash: a batch of receipts banked under one slip, matched
    to the lender's postings; flagged for the dispatcher when still unmatched after N days."""

    __tablename__ = "cash_deposits"
    __table_args__ = (UniqueConstraint("collector_id", "batch_ref"),)

    id: Mapped[str] = id_column()
    collector_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    batch_ref: Mapped[str] = mapped_column(String(64))  # the deposit slip's number
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    deposited_at: Mapped[datetime]
    slip_sha256: Mapped[str] = mapped_column(String(64))  # the slip photo (an attachment)
    receipt_ids: Mapped[list] = mapped_column(default=list)
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    matched_at: Mapped[datetime | None]
    matched_posting_ids: Mapped[list] = mapped_column(default=list)
    flagged_at: Mapped[datetime | None]
