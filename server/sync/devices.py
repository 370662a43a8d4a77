"""Devices as the sync protocol sees them: whose they are, their clock, revocation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.errors import Forbidden, InvalidInput, NotFound
from server.models import AuthToken, Device, Role, User
from server.sync.settings import MAX_CLOCK_OFFSET_MS

# A device's last_seen_at moves at most once a minute: a phone that polls with nothing new
# makes no write (an empty pull is read-only: no UPDATE, no WAL flush at commit).
SEEN_RESOLUTION = timedelta(minutes=1)


def resolve_device(session: Session, user_id: str, device_id: str | None, token_device: str |
                   None, now: datetime, schema_version: int | None = None) -> Device:
    """The device the caller's token was issued to; sync refuses tokens bound to no device.

    Binding matters: revoking a lost phone revokes the tokens issued to it, so a token that
    belongs to no device could never be shut off that way.
    """
    if token_device is None:
        raise Forbidden("sync needs a token issued to a device: log in with a device_id")
    if device_id and device_id != token_device:
        raise Forbidden("X-Device-Id differs from the device this token was issued to")
    device = session.get(Device, token_device)
    if device is None or device.user_id != user_id:
        raise Forbidden("this device is registered to another user")
    if device.revoked_at is not None:
        raise Forbidden("this device has been revoked")
    seen = device.last_seen_at
    if seen is None or not timedelta(0) <= now - seen < SEEN_RESOLUTION:
        device.last_seen_at = now
    if schema_version is not None and device.schema_version != schema_version:
        device.schema_version = schema_version
    return device


def clock_offset_from_header(raw: str | None, now: datetime) -> tuple[int | None, str | None]:
    """(server minus device ms, problem) from an X-Device-Time header; a bad one is ignored."""
    if raw is None or not raw.strip():
        return None, None
    value = raw.strip()
    digits = value[1:] if value[:1] == "-" else value
    if not digits.isascii() or not digits.isdigit() or len(digits) > 16:
        return None, "expected epoch milliseconds (an integer); ignored"
    offset = int(now.timestamp() * 1000) - int(value)
    if not sane_offset(offset):
        return None, (f"more than {MAX_CLOCK_OFFSET_MS // 86_400_000} days from the server's "
                      "clock; ignored (set the phone's clock)")
    return offset, None


def sane_offset(offset: int | None) -> bool:
    """An offset the server believes (a stored one from before this check may be absurd)."""
    return offset is not None and abs(offset) <= MAX_CLOCK_OFFSET_MS


def visible_devices(role: str, team_id: str | None, user_id: str | None = None) -> Select:
    """Devices an admin (all) or a dispatcher (their team's users) may list."""
    stmt = select(Device).join(User, User.id == Device.user_id).order_by(
        Device.registered_at.desc(), Device.id)
    if role != Role.ADMIN:
        stmt = stmt.where(User.team_id == team_id)
    if user_id:
        stmt = stmt.where(Device.user_id == user_id)
    return stmt


def revoke_device(session: Session, device_id: str, reason: str, now: datetime,
                  actor_id: str | None = None) -> Device:
    """Revoke a lost or stolen phone: its tokens stop working at once. Caller commits."""
    device = _device(session, device_id, reason)
    if device.revoked_at is None:
        device.revoked_at = now
        device.revoked_reason = reason.strip()[:200]
    _end_tokens(session, device_id, now)
    audit.record(session, actor_id, "device.revoke", "device", device_id,
                 {"user_id": device.user_id, "reason": reason.strip()[:200]}, now=now)
    return device


def release_device(session: Session, device_id: str, reason: str, now: datetime,
                   actor_id: str | None = None) -> Device:
    """Free a phone handed to a colleague: its tokens end; the next login registers it."""
    device = _device(session, device_id, reason)
    device.released_at = now
    _end_tokens(session, device_id, now)
    audit.record(session, actor_id, "device.release", "device", device_id,
                 {"user_id": device.user_id, "reason": reason.strip()[:200]}, now=now)
    return device


def _device(session: Session, device_id: str, reason: str) -> Device:
    if not reason.strip():
        raise InvalidInput("a reason is required", {"reason": ["required"]})
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("no such device")
    return device


def _end_tokens(session: Session, device_id: str, now: datetime) -> None:
    session.execute(update(AuthToken).where(AuthToken.device_id == device_id,
                                            AuthToken.revoked_at.is_(None))
                    .values(revoked_at=now))
