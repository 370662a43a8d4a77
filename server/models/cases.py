"""Cases (the collection work on one debtor), their accounts, and placements with agencies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, Timestamped, id_column, utcnow


class CaseStatus:
    OPEN = "open"
    PAUSED = "paused"
    SETTLED = "settled"
    RETURNED = "returned"
    CLOSED = "closed"
    ALL = (OPEN, PAUSED, SETTLED, RETURNED, CLOSED)


class Case(Timestamped, Base):
    """The collection work on one debtor; may cover several accounts."""

    __tablename__ = "cases"
    # The lender's case id is searched without the lender (GET /cases?case_ref=).
    __table_args__ = (UniqueConstraint("lender_id", "external_id"),
                      Index("ix_cases_external_id", "external_id"))

    id: Mapped[str] = id_column()
    lender_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    debtor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN, index=True)
    priority: Mapped[int] = mapped_column(default=0)
    jurisdiction: Mapped[str] = mapped_column(String(16), default="CN")
    dispute_open: Mapped[bool] = mapped_column(default=False)
    hardship: Mapped[bool] = mapped_column(default=False)  # the debtor reported hardship
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]  # personal data anonymised by the retention purge


class Account(Timestamped, Base):
    """One credit product of the debtor: amounts in its currency, days past due, bucket."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("lender_id", "external_id"),
                      Index("ix_accounts_external_id", "external_id"))

    id: Mapped[str] = id_column()
    lender_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    product: Mapped[str] = mapped_column(String(32), default="loan")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    principal: Mapped[Decimal]
    outstanding: Mapped[Decimal]
    overdue_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    due_since: Mapped[date | None]  # first unpaid due date; dpd is computed from it daily
    dpd: Mapped[int] = mapped_column(default=0)
    bucket: Mapped[str] = mapped_column(String(8), default="M0", index=True)
    last_payment_at: Mapped[datetime | None]


class Placement(Base):
    """A case placed with an agency for a period; agency users see only their placed cases."""

    __tablename__ = "placements"

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_on: Mapped[date | None]
    returned_at: Mapped[datetime | None]


class StandingRecallRules(Base):
    """A lender's standing recall rules (server/payments/recall_rules.py), applied nightly."""

    __tablename__ = "standing_recall_rules"

    lender_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    rules: Mapped[list] = mapped_column(default=list)
    agencies: Mapped[list] = mapped_column(default=list)  # agency codes; empty: all
    active: Mapped[bool] = mapped_column(default=True)
    return_case: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(String(300))
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_at: Mapped[datetime | None]
    last_result: Mapped[dict | None]  # the counts of the last nightly run
    last_error: Mapped[str | None] = mapped_column(String(500))


class CaseEventKind:
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"
    STOP_CONTACT = "stop_contact"
    STOP_CONTACT_LIFTED = "stop_contact_lifted"
    ATTORNEY = "attorney"
    ATTORNEY_ENDED = "attorney_ended"
    VULNERABILITY = "vulnerability"
    VULNERABILITY_ENDED = "vulnerability_ended"
    HOLD = "hold"
    HOLD_LIFTED = "hold_lifted"
    HARDSHIP = "hardship"
    HARDSHIP_ENDED = "hardship_ended"
    PREFERRED_TIMES = "preferred_times"
    PHONE_REPORTED = "phone_reported"  # a new or corrected number
    ADDRESS_REPORTED = "address_reported"  # a new or corrected address
    MOVED = "moved"
    THIRD_PARTY_REPORT = "third_party_report"
    COMPLAINT = "complaint"  # opens a complaint record (server/cases/complaints.py)
    ALL = (DISPUTE_OPENED, DISPUTE_RESOLVED, STOP_CONTACT, STOP_CONTACT_LIFTED, ATTORNEY,
           ATTORNEY_ENDED, VULNERABILITY, VULNERABILITY_ENDED, HOLD, HOLD_LIFTED, HARDSHIP,
           HARDSHIP_ENDED, PREFERRED_TIMES, PHONE_REPORTED, ADDRESS_REPORTED, MOVED,
           THIRD_PARTY_REPORT, COMPLAINT)


class CaseEvent(Base):
    """What the debtor asked for or told us (a dispute, stop contact, a hold …), and who
    recorded it; the case and party state it set is kept on those rows."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "occurred_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(16), default="staff")  # staff, phone, door …
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    detail: Mapped[dict] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(String(1000))


class ComplaintStatus:
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    ALL = (RECEIVED, ACKNOWLEDGED, INVESTIGATING, RESOLVED, WITHDRAWN)
    OPEN = (RECEIVED, ACKNOWLEDGED, INVESTIGATING)


class Complaint(Timestamped, Base):
    """A grievance (投诉) about the lender, an agency or collectors, with its regulatory clock:
    decide by `due_at` (longer when complex, once more with approval), a handler who is not
    a person complained about, and the final response."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_status_due", "status", "due_at"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    category: Mapped[str] = mapped_column(String(24))  # conduct, harassment, privacy …
    channel: Mapped[str] = mapped_column(String(16), default="staff")  # staff, field, phone …
    description: Mapped[str] = mapped_column(String(2000))
    subject_user_ids: Mapped[list] = mapped_column(default=list)  # collectors complained about
    status: Mapped[str] = mapped_column(String(16), default=ComplaintStatus.RECEIVED)
    handler_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # None: no clock in the case's profile
    complex: Mapped[bool] = mapped_column(default=False)
    extended_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # who approved
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    final_response: Mapped[str | None] = mapped_column(String(4000))
    upheld: Mapped[bool | None]  # decided at resolution: the complaint was justified
