"""Addresses with their verification state, and contact points with per-channel opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Timestamped, id_column, utcnow


class AddressKind:
    HOME = "home"
    WORK = "work"
    REGISTERED = "registered"  # 户籍
    MAILING = "mailing"
    ALL = (HOME, WORK, REGISTERED, MAILING)


class Verification:
    UNVERIFIED = "unverified"
    GEOCODED = "geocoded"
    FIELD_VERIFIED = "field_verified"
    NEEDS_REVERIFICATION = "needs_reverification"
    FAILED = "failed"
    MOVED = "moved"
    ALL = (UNVERIFIED, GEOCODED, FIELD_VERIFIED, NEEDS_REVERIFICATION, FAILED, MOVED)


class Address(Timestamped, Base):
    """One location of a party: raw text, parsed parts, WGS-84 point, precision, time zone."""

    __tablename__ = "addresses"

    id: Mapped[str] = id_column()
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=AddressKind.HOME)
    raw_text: Mapped[str] = mapped_column(String(500))
    province: Mapped[str | None] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(300))
    adcode: Mapped[str | None] = mapped_column(String(12))
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    precision: Mapped[str | None] = mapped_column(String(16))  # rooftop … province
    accuracy_m: Mapped[float | None]
    verification_state: Mapped[str] = mapped_column(String(24), default=Verification.UNVERIFIED)
    geocoder: Mapped[str | None] = mapped_column(String(32))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    proposed_lat: Mapped[float | None]
    proposed_lng: Mapped[float | None]
    verified_at: Mapped[datetime | None]
    verification_note: Mapped[str | None] = mapped_column(String(500))  # why failed, who verified


class ContactPoint(Timestamped, Base):
    """A phone number, e-mail or messaging handle of a party."""

    __tablename__ = "contact_points"

    id: Mapped[str] = id_column()
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="phone")  # phone, email, wechat
    value: Mapped[str] = mapped_column(String(200), index=True)  # searched by GET /cases
    label: Mapped[str | None] = mapped_column(String(64))
    valid: Mapped[bool] = mapped_column(default=True)


class OptOut(Base):
    """A cease or opt-out for a channel ('call', 'sms', 'email', 'visit' or 'all')."""

    __tablename__ = "opt_outs"

    id: Mapped[str] = id_column()
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    contact_point_id: Mapped[str | None] = mapped_column(ForeignKey("contact_points.id"))
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32), default="opt_out")  # cease, attorney, opt_out
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
