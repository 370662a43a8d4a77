"""Facts a device observed in the field: append-only rows with device-generated ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from server.models.base import ID_LEN, Base, utcnow


class Fact:
    """Columns every device-owned fact carries: who, which device, device time, server time."""

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    recorded_at: Mapped[datetime]  # the device's clock, as sent
    received_at: Mapped[datetime] = mapped_column(default=utcnow)  # the server's clock
    clock_offset_ms: Mapped[int | None]  # server minus device at receipt
    device_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the content, for replays

    @declared_attr
    def user_id(cls) -> Mapped[str | None]:
        return mapped_column(ForeignKey("users.id"), index=True)


class CheckIn(Fact, Base):
    """A GPS fix at arrival (in) or departure (out), one per collector."""

    __tablename__ = "check_ins"
    # A visit's earliest / latest check-ins and its distinct collectors, each by one probe of
    # an index whatever the visit holds (what follows a push, server/compliance/synced.py).
    __table_args__ = (Index("ix_check_ins_visit_time", "visit_id", "recorded_at", "id"),
                      Index("ix_check_ins_visit_collector", "visit_id", "kind",
                            func.coalesce(text("user_id"), text("id"))))

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="in")
    lat: Mapped[float]
    lng: Mapped[float]
    accuracy_m: Mapped[float | None]


class OutcomeCode:
    MET_DEBTOR = "MET_DEBTOR"
    NOT_HOME = "NOT_HOME"
    MOVED = "MOVED"
    REFUSED = "REFUSED"
    WRONG_ADDRESS = "WRONG_ADDRESS"
    THIRD_PARTY_MET = "THIRD_PARTY_MET"
    PAID = "PAID"
    PROMISED = "PROMISED"
    DISPUTED = "DISPUTED"
    ASKED_TO_LEAVE = "ASKED_TO_LEAVE"
    DISTRESSED = "DISTRESSED"
    ALL = (
        MET_DEBTOR, NOT_HOME, MOVED, REFUSED, WRONG_ADDRESS, THIRD_PARTY_MET,
        PAID, PROMISED, DISPUTED, ASKED_TO_LEAVE, DISTRESSED,
    )


class VisitOutcome(Fact, Base):
    """The disposition of a visit."""

    __tablename__ = "visit_outcomes"
    __table_args__ = (Index("ix_visit_outcomes_visit_time", "visit_id", "recorded_at", "id"),)

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    party_met_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    discussed_debt: Mapped[bool] = mapped_column(default=False)
    recording_made: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)


class VisitNote(Fact, Base):
    """Free text a collector wrote about a visit."""

    __tablename__ = "visit_notes"

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    body: Mapped[str] = mapped_column(Text)


class AddressReport(Fact, Base):
    """A collector's report that an address is wrong, moved, or sits at other coordinates."""

    __tablename__ = "address_reports"

    address_id: Mapped[str] = mapped_column(ForeignKey("addresses.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    kind: Mapped[str] = mapped_column(String(16))  # moved, wrong, coordinates, new_address
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(Text)


class Attachment(Fact, Base):
    """A device's record that a photo or audio file (by content hash) belongs to a visit."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_visit_time", "visit_id", "recorded_at", "id"),)

    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    content_type: Mapped[str | None] = mapped_column(String(100))


class Blob(Base):
    """Stored file bytes, content-addressed by SHA-256; uploaded once, referenced by facts."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlobUpload(Base):
    """Bytes uploaded for one visit by someone assigned to it: what lets a download through."""

    __tablename__ = "blob_uploads"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), primary_key=True,
                                          index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
