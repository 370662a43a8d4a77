"""The debtor's voice and calls recorded on a phone: device-owned facts that become case events.

A `case_requests` row is what the debtor asked for at the door (a dispute, stop contact, a
hold …) and a `call_logs` row a call the collector made; pushing one applies the same service
as staff recording it (server/cases/requests.py, calls.py), exactly once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base
from server.models.facts import Fact


class CaseRequestFact(Fact, Base):
    """A request of the debtor recorded in the field; the case event it made is in `event_id`."""

    __tablename__ = "case_requests"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    kind: Mapped[str] = mapped_column(String(32))
    via: Mapped[str] = mapped_column(String(16), default="door")  # how the debtor told us
    channel: Mapped[str | None] = mapped_column(String(16))  # stop_contact(_lifted)
    contact_point_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    opt_out_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    address_id: Mapped[str | None] = mapped_column(String(ID_LEN))  # moved, corrected address
    until: Mapped[date | None]  # hold: last day, the debtor's local date
    reason: Mapped[str | None] = mapped_column(String(16))  # hold reason
    category: Mapped[str | None] = mapped_column(String(24))  # vulnerability category
    windows: Mapped[list | None] = mapped_column()  # preferred_times: [{from, to}]
    value: Mapped[str | None] = mapped_column(String(300))  # a new phone or address text
    note: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[str | None] = mapped_column(String(ID_LEN))  # set by the server


class CallLog(Fact, Base):
    """A call a collector made from the phone; `recorded_at` is when it was made."""

    __tablename__ = "call_logs"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    contact_point_id: Mapped[str] = mapped_column(String(ID_LEN))
    connected: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str | None] = mapped_column(String(32))
    duration_s: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
