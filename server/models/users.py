"""People who log in (collectors, dispatchers, compliance officers, admins), devices, tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import ID_LEN, Base, Timestamped, id_column, utcnow


class Role:
    COLLECTOR = "collector"
    DISPATCHER = "dispatcher"
    COMPLIANCE = "compliance"
    ADMIN = "admin"
    LENDER_OPS = "lender_ops"  # the lender's own operations: placement, recall, balances
    API_CLIENT = "api_client"  # a lender's machine client (server/auth/clients.py), not a user
    CASEWORK = (COLLECTOR, DISPATCHER, COMPLIANCE, ADMIN)  # who works cases (scoped per role)
    ALL = (*CASEWORK, LENDER_OPS)


class User(Timestamped, Base):
    """A login with one role; collectors also carry credentials and a home base."""

    __tablename__ = "users"

    id: Mapped[str] = id_column()
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    national_id: Mapped[str | None] = mapped_column(String(32))
    certification_no: Mapped[str | None] = mapped_column(String(64))
    certification_expires_on: Mapped[date | None]
    training_completed_on: Mapped[date | None]
    base_lat: Mapped[float | None]
    base_lng: Mapped[float | None]
    base_label: Mapped[str | None] = mapped_column(String(200))
    shift_start_min: Mapped[int] = mapped_column(default=9 * 60)  # local minutes after midnight
    shift_end_min: Mapped[int] = mapped_column(default=18 * 60)
    daily_capacity: Mapped[int] = mapped_column(default=8)
    active: Mapped[bool] = mapped_column(default=True)


class Device(Base):
    """A phone registered at login to one user; an admin revokes a lost one or releases it."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)  # chosen by the device
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(120))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None]  # an admin freed it: the next user to log in takes it
    clock_offset_ms: Mapped[int | None]  # server time minus device time, last estimate
    schema_version: Mapped[int | None]


class LoginThrottle(Base):
    """Failed log-ins counted per key (an account name, a source, the pair): the back-off.

    Keyed by the name as typed, known or not, so an unknown name is throttled like a real one.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # "account:", "source:"..
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class AuthToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[str] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
