"""Use cases of authentication: log in, authenticate a request, log out, create users."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth import throttle
from server.auth.passwords import hash_password, needs_rehash, rehashed, verify_password
from server.auth.throttle import ThrottlePolicy
from server.auth.tokens import new_token, token_hash
from server.errors import Conflict, Forbidden, InvalidInput, RateLimited, Unauthenticated
from server.models import Agency, AuthToken, Device, Role, Team, User, utcnow
from server.unit_of_work import keep_and_raise


@dataclass(frozen=True)
class LoginPolicy:
    """Token lifetime and the failed-login back-off, from configuration."""

    token_ttl_s: int = 12 * 3600
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User
    device_id: str | None


def log_in(
    session: Session,
    username: str,
    password: str,
    device_id: str | None,
    policy: LoginPolicy,
    now: datetime | None = None,
    source: str | None = None,
) -> IssuedToken:
    """Check the password, register the device, issue a token.

    A name under back-off is refused before its password is looked at; a failure is counted
    and audited the same way whether the name exists or not (same answer, same work), and
    kept although the log-in fails (`keep_and_raise`).
    """
    now = now or utcnow()
    attempt = throttle.keys(username, source)
    wait = throttle.retry_after(session, attempt, policy.throttle, now)
    if wait:
        raise RateLimited("too many failed logins; try again later", {"retry_after": wait})
    user = session.scalar(select(User).where(User.username == username))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        throttle.count_failure(session, attempt, policy.throttle, now)
        user_id = user.id if user is not None else None
        audit.record(session, user_id, "login.failed", "user", user_id, {"source": source},
                     now=now)
        keep_and_raise(session, Unauthenticated("invalid username or password"))
    throttle.clear_success(session, attempt, now)
    rehash = needs_rehash(user.password_hash)
    if rehash:  # made with older parameters: re-made with today's (said in the login event)
        user.password_hash = rehashed(password)
    if device_id is not None:
        _register_device(session, user, device_id, now)
        session.flush()  # the token row refers to the device row
    token, digest = new_token()
    expires_at = now + timedelta(seconds=policy.token_ttl_s)
    session.add(AuthToken(token_hash=digest, user_id=user.id, device_id=device_id,
                          created_at=now, expires_at=expires_at))
    audit.record(session, user.id, "login", "user", user.id,
                 {"device_id": device_id, **({"password_rehashed": True} if rehash else {})},
                 now=now)
    return IssuedToken(token=token, expires_at=expires_at, user=user, device_id=device_id)


def _register_device(session: Session, user: User, device_id: str, now: datetime) -> None:
    """Register the phone to this user; another user's phone is refused (audited) until an
    admin releases it, so nobody takes over a colleague's device and its sync."""
    device = session.get(Device, device_id)
    if device is None:
        session.add(Device(id=device_id, user_id=user.id, registered_at=now, last_seen_at=now))
        audit.record(session, user.id, "device.register", "device", device_id,
                     {"user_id": user.id}, now=now)
        return
    if device.revoked_at is not None:
        raise Forbidden("this device has been revoked")
    if device.user_id != user.id:
        if device.released_at is None:
            audit.record(session, user.id, "device.claim_refused", "device", device_id,
                         {"user_id": user.id, "owner_id": device.user_id}, now=now)
            keep_and_raise(session, Conflict(
                "this device is registered to another user; an admin must release it first",
                {"device_id": ["registered to another user"]}))
        audit.record(session, user.id, "device.register", "device", device_id,
                     {"user_id": user.id, "previous_user_id": device.user_id}, now=now)
        device.user_id, device.registered_at, device.released_at = user.id, now, None
    device.last_seen_at = now


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, their role and scope, the token and device used."""

    user_id: str
    role: str
    agency_id: str | None
    team_id: str | None
    token_id: str
    device_id: str | None


def authenticate(session: Session, token: str, now: datetime | None = None) -> Principal:
    """Resolve a bearer token to a principal or raise Unauthenticated."""
    now = now or utcnow()
    row = session.execute(
        select(AuthToken, User, Device)
        .join(User, User.id == AuthToken.user_id)
        .outerjoin(Device, Device.id == AuthToken.device_id)
        .where(AuthToken.token_hash == token_hash(token))
    ).first()
    if row is None:
        raise Unauthenticated("invalid token")
    tok, user, device = row
    if tok.revoked_at is not None:
        raise Unauthenticated("token revoked")
    if tok.expires_at <= now:
        raise Unauthenticated("token expired")
    if not user.active:
        raise Unauthenticated("user disabled")
    if device is not None and device.revoked_at is not None:
        raise Unauthenticated("device revoked")
    # The session holds its rows weakly: kept here for the request, the view's own reads of
    # this user and device (every sync request resolves its device) are found without a query.
    session.info["authenticated_rows"] = (tok, user, device)
    return Principal(user.id, user.role, user.agency_id, user.team_id, tok.id, tok.device_id)


def log_out(session: Session, token_id: str, now: datetime | None = None) -> None:
    """Revoke the token used for this request. Caller commits."""
    tok = session.get(AuthToken, token_id)
    tok.revoked_at = now or utcnow()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    team_code: str | None = None,
    agency_code: str | None = None,
    actor_id: str | None = None,
    **fields,
) -> User:
    """Add a user with a hashed password, audited (actor None: the CLI). Caller commits."""
    if role not in Role.ALL:
        raise InvalidInput(f"unknown role {role!r}", {"role": [f"one of {', '.join(Role.ALL)}"]})
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"user {username!r} exists", {"username": ["already taken"]})
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise InvalidInput(str(exc), {"password": [str(exc)]}) from exc
    team = _by_code(session, Team, team_code, "team")
    agency = _by_code(session, Agency, agency_code, "agency")
    if team is not None and agency is None:
        agency = session.get(Agency, team.agency_id)
    user = User(username=username, password_hash=password_hash, role=role,
                team_id=team.id if team else None, agency_id=agency.id if agency else None,
                **fields)
    session.add(user)
    session.flush()
    audit.record(session, actor_id, "user.create", "user", user.id, {
        "username": username, "role": role, "team_id": user.team_id,
        "agency_id": user.agency_id})
    return user


def _by_code(session: Session, model, code: str | None, label: str):
    if code is None:
        return None
    found = session.scalar(select(model).where(model.code == code))
    if found is None:
        raise InvalidInput(f"unknown {label} {code!r}", {label: [f"no {label} with this code"]})
    return found
