"""Failed log-ins slow an attacker without locking the owner out (NIST SP 800-63B 5.2.2).

Failures are counted under three keys: the account name as typed (known or not, so an unknown
name answers exactly like a real one), the source address, and the pair. Past a number of free
failures a key backs off exponentially (1 s, 2 s, 4 s ... capped), and an attempt while a key
backs off is refused before the password is looked at. The pair's threshold is low and its cap
high (one source guessing one account); the account's and the source's are higher and capped
low. A source the account logged in from successfully in the last `trusted_s` is trusted for
it: only the pair's back-off applies there, so a fuzzer elsewhere never keeps the owner out of
their usual place, and from a new place delays them by at most the account cap. A success
clears the account and the pair; a key's count lapses after a quiet window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    """Free failures and back-off cap per key kind, from configuration."""

    pair_free: int = 5
    pair_cap_s: int = 900
    account_free: int = 20
    account_cap_s: int = 60
    source_free: int = 50
    source_cap_s: int = 60
    base_s: float = 1.0
    window_s: int = 3600  # a key quiet this long starts again from zero
    trusted_s: int = 30 * 24 * 3600  # a source the account got in from stays trusted this long

    def rule(self, kind: str) -> tuple[int, int]:
        return {"pair": (self.pair_free, self.pair_cap_s),
                "account": (self.account_free, self.account_cap_s),
                "source": (self.source_free, self.source_cap_s)}[kind]


def keys(username: str, source: str | None) -> dict[str, str]:
    """The throttle keys of one attempt, by kind."""
    name, where = username.strip().lower()[:120], (source or "unknown")[:64]
    return {"pair": f"pair:{name}|{where}", "account": f"account:{name}",
            "source": f"source:{where}", "trusted": f"trusted:{name}|{where}"}


COUNTED = ("pair", "account", "source")


def _load(session: Session, attempt: dict[str, str]) -> dict[str, LoginThrottle]:
    rows = session.scalars(select(LoginThrottle).where(
        LoginThrottle.key.in_(attempt.values()))).all()
    return {row.key: row for row in rows}


def retry_after(session: Session, attempt: dict[str, str], policy: ThrottlePolicy,
                now: datetime) -> int:
    """Seconds until this attempt may be judged (0: now)."""
    rows = _load(session, attempt)
    trusted = rows.get(attempt["trusted"])
    kinds = ("pair",) if trusted is not None and now - _aware(
        trusted.last_failure_at) < timedelta(seconds=policy.trusted_s) else COUNTED
    waits = [(_aware(row.blocked_until) - now).total_seconds()
             for row in (rows.get(attempt[kind]) for kind in kinds)
             if row is not None and row.blocked_until is not None
             and _aware(row.blocked_until) > now]
    return int(max(waits) + 0.999) if waits else 0


def count_failure(session: Session, attempt: dict[str, str], policy: ThrottlePolicy,
                  now: datetime) -> None:
    """One more failure under every key of the attempt, and the back-off it earns."""
    rows = _load(session, attempt)
    for kind in COUNTED:
        key = attempt[kind]
        row = rows.get(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif now - _aware(row.last_failure_at) > timedelta(seconds=policy.window_s):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        free, cap = policy.rule(kind)
        over = row.failures - free + 1  # the free-th failure earns the first second
        row.blocked_until = (now + timedelta(seconds=min(cap, policy.base_s * 2 ** (over - 1)))
                             if over > 0 else None)


def clear_success(session: Session, attempt: dict[str, str], now: datetime) -> None:
    """The owner got in: their account and pair start again (the source's count stays), and
    this source is trusted for the account (its `last_failure_at` is the success's time)."""
    rows = _load(session, attempt)
    for key in (attempt["account"], attempt["pair"]):
        if key in rows:
            session.delete(rows[key])
    trusted = rows.get(attempt["trusted"])
    if trusted is None:
        session.add(LoginThrottle(key=attempt["trusted"], failures=0, last_failure_at=now))
    else:
        trusted.last_failure_at = now


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
