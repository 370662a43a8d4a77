"""The rule engine's input records, built from rows: debtor, address, consents, ledger,
collectors. Device times are corrected by the fact's own clock offset before they are used."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.compliance import (
    ALL_CHANNELS,
    AddressFacts,
    CollectorFacts,
    Consent,
    ContactAttempt,
    DebtorFacts,
    TimeWindow,
)
from server.models import Address, Case, OptOut, Party, User
from server.models import Consent as ConsentRow
from server.models import ContactAttempt as AttemptRow

DEFAULT_TZ = "Asia/Shanghai"
_WRITTEN = {"signature", "written"}  # stored consent methods that count as written consent


def corrected(at: datetime | None, clock_offset_ms: int | None) -> datetime | None:
    """A device time moved by the server-minus-device offset measured at receipt."""
    if at is None:
        return None
    return at + timedelta(milliseconds=clock_offset_ms or 0)


def preferred_windows(raw: Iterable) -> tuple[TimeWindow, ...]:
    """Party.preferred_windows ([{"from": "18:00", "to": "20:00"}]) as engine windows."""
    out = []
    for item in raw or ():
        try:
            out.append(TimeWindow.parse([item["from"], item["to"]]))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed stored preference must not stop every check on the case
    return tuple(out)


def cease_channels(session: Session, party_id: str) -> frozenset[str]:
    """Channels the party asked not to be contacted on (party-wide opt-outs still in force)."""
    rows = session.execute(
        select(OptOut.channel, OptOut.reason).where(
            OptOut.party_id == party_id,
            OptOut.contact_point_id.is_(None),
            OptOut.lifted_at.is_(None),
        )
    )
    return frozenset(
        ALL_CHANNELS if reason == "cease" or channel == "all" else channel
        for channel, reason in rows
    )


def debtor_facts(session: Session, case: Case) -> DebtorFacts:
    """What the rules need to know about the case's debtor."""
    party = session.get(Party, case.debtor_id)
    return DebtorFacts(
        party_id=party.id,
        vulnerable=party.vulnerable,
        dispute_open=case.dispute_open,
        attorney_represented=party.attorney_represented,
        cease_channels=cease_channels(session, party.id),
        hold_until=party.hold_until,
        hold_reason=party.hold_reason,
        preferred_windows=preferred_windows(party.preferred_windows),
    )


def address_facts(address: Address | None, default_tz: str = DEFAULT_TZ) -> AddressFacts:
    """The visited place: kind and IANA zone (the default zone when it was never resolved)."""
    if address is None:
        return AddressFacts(address_id="", kind="home", tz=default_tz)
    return AddressFacts(address.id, address.kind, address.time_zone or default_tz)


def home_address(session: Session, party_id: str) -> Address | None:
    """The party's home address (the first one recorded), if any."""
    stmt = select(Address).where(Address.party_id == party_id, Address.kind == "home")
    return session.scalar(stmt.order_by(Address.created_at, Address.id).limit(1))


def consents_of(session: Session, party_id: str) -> list[Consent]:
    """The party's consents as the engine reads them; a withdrawal ends the consent it names."""
    rows = list(session.scalars(select(ConsentRow).where(ConsentRow.party_id == party_id)))
    withdrawn = {
        r.withdraws: corrected(r.granted_at, r.clock_offset_ms) for r in rows if r.withdraws
    }
    out = []
    for r in rows:
        if r.withdraws:
            continue
        scope = r.scope or {}
        window = None
        if "from" in scope and "to" in scope:
            window = TimeWindow.parse([scope["from"], scope["to"]])
        ended = withdrawn.get(r.id) or corrected(r.withdrawn_at, r.clock_offset_ms)
        out.append(Consent(
            kind=r.kind, party_id=r.party_id,
            given_at=corrected(r.granted_at, r.clock_offset_ms),
            method="written" if r.method in _WRITTEN else r.method,
            withdrawn_at=ended, window=window, text_version=r.consent_text_id,
        ))
    return out


def attempts_of(session: Session, case_id: str) -> list[ContactAttempt]:
    """The case's contact-attempt ledger; the case is the unit caps count "per debt"."""
    rows = session.scalars(select(AttemptRow).where(AttemptRow.case_id == case_id))
    return [
        ContactAttempt(channel=r.channel, at_utc=r.occurred_at, party_id=r.party_id or "",
                       debt_id=case_id, contact_point_id=r.contact_point_id,
                       connected=r.connected, outcome=r.outcome, attempt_id=r.source_id or r.id)
        for r in rows
    ]


def collector_facts(session: Session, user_ids: Iterable[str]) -> list[CollectorFacts]:
    """Credentials of the given collectors."""
    users = session.scalars(select(User).where(User.id.in_(list(user_ids))))
    return [
        CollectorFacts(u.id, u.certification_expires_on, u.training_completed_on,
                       bool(u.national_id))
        for u in users
    ]
