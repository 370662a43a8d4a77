"""The rules again at send time (COMPLIANCE.md, SEND_TIME): cease, attorney and opt-outs
block a message; a hold, the daily cap and quiet hours in the debtor's local time move it to
the first moment it is allowed. The verdicts come from the compliance engine itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.compliance.engine import (
    CallPlan,
    Consent,
    ContactAttempt,
    DebtorFacts,
    Profile,
    Rule,
    check_call,
    local_date,
)
from server.compliance.engine.caps import busiest_window
from server.compliance.engine.rules import sensitive_finding
from server.compliance.engine.windows import next_allowed

SEND, DEFER, BLOCK = "send", "defer", "block"


@dataclass(frozen=True)
class Decision:
    """What to do with one message now: send it, defer it until `until`, or block it."""

    action: str
    until: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class Recipient:
    """Who a message reaches, as the rules see them."""

    case_id: str
    debtor: DebtorFacts
    tz: str
    contact_point_id: str | None = None
    point_opt_outs: frozenset[str] = frozenset()


def decide(profile: Profile, who: Recipient, channel: str, now: datetime,
           attempts: Sequence[ContactAttempt], consents: Sequence[Consent],
           daily_cap: int, sent_today: int = 0) -> Decision:
    """Send, defer or block one message of `channel` to `who` at `now`."""
    verdict = check_call(profile, CallPlan(now, who.debtor.party_id, who.case_id,
                                           who.contact_point_id or "", channel,
                                           who.point_opt_outs),
                         who.debtor, who.tz, attempts, consents)
    found = {f.rule: f for f in verdict.findings}
    if Rule.CEASE in found:
        return Decision(BLOCK, reason=found[Rule.CEASE].message)
    today = local_date(now, who.tz)
    hold = sensitive_finding(profile, who.debtor, today)
    if hold is not None:
        return Decision(DEFER, _first_allowed_on(profile, who, who.debtor.hold_until
                                                 + timedelta(days=1), now), hold.message)
    days = [local_date(a.at_utc, who.tz) for a in attempts
            if a.channel == channel and a.party_id == who.debtor.party_id]
    count = busiest_window(days, today, 1)[0] + sent_today
    if daily_cap and count >= daily_cap:
        return Decision(DEFER, _first_allowed_on(profile, who, today + timedelta(days=1), now),
                        f"{count} {channel} messages today, cap is {daily_cap}")
    if Rule.QUIET in found:
        upcoming = found[Rule.QUIET].details.get("next_allowed_utc")
        until = datetime.fromisoformat(upcoming) if upcoming else \
            _first_allowed_on(profile, who, today + timedelta(days=1), now)
        return Decision(DEFER, until, found[Rule.QUIET].message)
    return Decision(SEND)


def _first_allowed_on(profile: Profile, who: Recipient, day, now: datetime) -> datetime:
    """The first allowed instant from the start of local `day` (a week on, at worst)."""
    start = datetime.combine(day, time(0), tzinfo=ZoneInfo(who.tz))
    found = next_allowed(profile, max(start, now), who.tz, who.debtor.preferred_windows)
    return found or start + timedelta(days=7)
