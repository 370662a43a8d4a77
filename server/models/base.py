"""Declarative base, shared column types and id/time helpers. Plain SQLAlchemy, no Flask."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LEN = 64
# Device-generated ids must match SYNC.md's pattern; server ids are uuid4 hex and match it too.
ID_PATTERN = r"^[A-Za-z0-9_\-.]{1,64}$"


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(14, 2)
# SQLite only auto-increments an INTEGER PRIMARY KEY, so big serials are INTEGER there.
BigSerial = BigInteger().with_variant(Integer(), "sqlite")


def new_id() -> str:
    """A fresh server-side id (uuid4 hex), in the same alphabet devices use."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of all Doorstep models."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        Decimal: Money,
        dict: JSONType,
        list: JSONType,
        date: Date(),
    }


def id_column(**kw) -> Mapped[str]:
    """A string primary key defaulting to a server-generated id."""
    return mapped_column(String(ID_LEN), primary_key=True, default=new_id, **kw)


class Timestamped:
    """created_at / updated_at kept by the ORM."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
