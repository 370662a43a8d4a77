"""The rule engine's input records, built from rows: debtor, address, consents, ledger,
collectors. Device times are corrected by the fact's own clock offset before they are used."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import OPERATION_ZONE
from server.compliance.engine import (
    ALL_CHANNELS,
    AddressFacts,
    CollectorFacts,
    Consent,
    ContactAttempt,
    DebtorFacts,
    TimeWindow,
)
from server.db.bulk import in_values
from server.db.sql import chunks
from server.models import Address, Case, OptOut, OutboxMessage, Party, User
from server.models import Consent as ConsentRow
from server.models import ContactAttempt as AttemptRow

DEFAULT_TZ = OPERATION_ZONE
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


def cease_channels_for(session: Session, party_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Channels each party asked not to be contacted on (party-wide opt-outs still in force).

    Parties without opt-outs are absent from the answer (read it with `.get(id, frozenset())`).
    """
    ids = list(set(party_ids))
    if not ids:
        return {}
    found: dict[str, set[str]] = defaultdict(set)
    for batch in chunks(ids):
        for party_id, channel, reason in session.execute(
            select(OptOut.party_id, OptOut.channel, OptOut.reason).where(
                in_values(session, OptOut.party_id, batch),
                OptOut.contact_point_id.is_(None),
                OptOut.lifted_at.is_(None),
            )
        ):
            found[party_id].add(ALL_CHANNELS if reason == "cease" or channel == "all" else channel)
    return {party_id: frozenset(channels) for party_id, channels in found.items()}


def cease_channels(session: Session, party_id: str) -> frozenset[str]:
    """Channels the party asked not to be contacted on (party-wide opt-outs still in force)."""
    return cease_channels_for(session, [party_id]).get(party_id, frozenset())


def _debtor(case, party, cease: frozenset[str]) -> DebtorFacts:
    """DebtorFacts from a case and its debtor (rows or objects with the same attribute names)."""
    return DebtorFacts(
        party_id=party.id,
        vulnerable=party.vulnerable,
        dispute_open=case.dispute_open,
        attorney_represented=party.attorney_represented,
        cease_channels=cease,
        hold_until=party.hold_until,
        hold_reason=party.hold_reason,
        preferred_windows=preferred_windows(party.preferred_windows),
    )


def debtor_facts(session: Session, case: Case) -> DebtorFacts:
    """What the rules need to know about the case's debtor."""
    party = session.get(Party, case.debtor_id)
    return _debtor(case, party, cease_channels(session, party.id))


def debtor_facts_for(session: Session, cases: Iterable) -> dict[str, DebtorFacts]:
    """`debtor_facts` of many cases (objects or rows with id, debtor_id, dispute_open) by case
    id, in two queries."""
    cases = list(cases)
    party_ids = list({c.debtor_id for c in cases})
    if not party_ids:
        return {}
    p = Party
    parties = {}
    for batch in chunks(party_ids):
        parties.update((row.id, row) for row in session.execute(
            select(p.id, p.vulnerable, p.attorney_represented, p.hold_until, p.hold_reason,
                   p.preferred_windows).where(in_values(session, p.id, batch))))
    cease = cease_channels_for(session, party_ids)
    return {c.id: _debtor(c, parties[c.debtor_id], cease.get(c.debtor_id, frozenset()))
            for c in cases}


def address_facts(address: Address | None, default_tz: str = DEFAULT_TZ) -> AddressFacts:
    """The visited place: kind and IANA zone (the default zone when it was never resolved)."""
    if address is None:
        return AddressFacts(address_id="", kind="home", tz=default_tz)
    return AddressFacts(address.id, address.kind, address.time_zone or default_tz)


def home_address(session: Session, party_id: str) -> Address | None:
    """The party's home address (the first one recorded), if any."""
    stmt = select(Address).where(Address.party_id == party_id, Address.kind == "home")
    return session.scalar(stmt.order_by(Address.created_at, Address.id).limit(1))


_CONSENT_COLUMNS = (ConsentRow.id, ConsentRow.party_id, ConsentRow.kind, ConsentRow.method,
                    ConsentRow.granted_at, ConsentRow.withdrawn_at, ConsentRow.withdraws,
                    ConsentRow.clock_offset_ms, ConsentRow.scope, ConsentRow.consent_text_id)


def consents_for(session: Session, party_ids: Iterable[str]) -> dict[str, list[Consent]]:
    """The parties' consents as the engine reads them (a withdrawal ends the consent it names),
    in one query per batch: {party id: consents} (absent = none)."""
    ids = list(set(party_ids))
    rows: dict[str, list] = defaultdict(list)
    for batch in chunks(ids):
        for row in session.execute(select(*_CONSENT_COLUMNS).where(
                in_values(session, ConsentRow.party_id, batch))):
            rows[row.party_id].append(row)
    return {party_id: _consents(party_rows) for party_id, party_rows in rows.items()}


def _consents(rows: list) -> list[Consent]:
    """One party's consent rows as engine records; withdrawal rows end the consent they name."""
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


def ledger_attempt(row) -> ContactAttempt:
    """A contact_attempts row as the rule engine reads it (per debt = per case)."""
    return ContactAttempt(channel=row.channel, at_utc=row.occurred_at, party_id=row.party_id or "",
                          debt_id=row.case_id, contact_point_id=row.contact_point_id,
                          connected=row.connected, outcome=row.outcome,
                          attempt_id=row.source_id or row.id)


def attempts_for(session: Session, case_ids: Iterable[str]) -> dict[str, list[ContactAttempt]]:
    """Each case's contact-attempt ledger (the case is the unit caps count "per debt"), one
    query per batch: {case id: attempts, oldest first} (absent = none)."""
    ids = list(set(case_ids))
    out: dict[str, list[ContactAttempt]] = defaultdict(list)
    for batch in chunks(ids):
        for r in session.scalars(select(AttemptRow).where(
                in_values(session, AttemptRow.case_id, batch))
                .order_by(AttemptRow.occurred_at, AttemptRow.id)):
            out[r.case_id].append(ledger_attempt(r))
    return dict(out)


VISIT_NOTICE_KEY = "visit-notice:"  # + visit id: the outbox dedupe key of a visit's notice


def notices_given(session: Session, visit_ids: Iterable[str]) -> dict[str, datetime]:
    """When each visit's advance notice (NOTICE) went out: {visit id: sent at}, for notices
    the outbox gateway marked sent (absent = none sent yet)."""
    keys = [VISIT_NOTICE_KEY + visit_id for visit_id in set(visit_ids)]
    out: dict[str, datetime] = {}
    for batch in chunks(keys):
        for key, sent_at in session.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.sent_at).where(
                    in_values(session, OutboxMessage.dedupe_key, batch),
                    OutboxMessage.status == "sent", OutboxMessage.sent_at.is_not(None))):
            out[key.removeprefix(VISIT_NOTICE_KEY)] = sent_at
    return out


def collector_facts(session: Session, user_ids: Iterable[str]) -> list[CollectorFacts]:
    """Credentials of the given collectors."""
    users = session.scalars(select(User).where(User.id.in_(list(user_ids))))
    return [
        CollectorFacts(u.id, u.certification_expires_on, u.training_completed_on,
                       bool(u.national_id))
        for u in users
    ]
