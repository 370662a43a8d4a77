"""Everything the send-time rules read about one batch of messages, in a few set-based
queries: cases, debtors' facts and profiles, home time zones, contact points and their
opt-outs, the contact ledger and consents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.compliance.effective import ProfileResolver
from server.compliance.engine import Consent, ContactAttempt, Profile
from server.compliance.inputs import DEFAULT_TZ, attempts_for, consents_for, debtor_facts_for
from server.db.bulk import in_values
from server.messaging.sendrules import Recipient
from server.models import Address, Case, ContactPoint, OptOut, Party

# Outbox channels and the contact-point channel that holds their address.
POINT_CHANNEL = {"sms": "phone", "email": "email"}


@dataclass
class BatchInputs:
    """The rule inputs of one batch, by case id (recipients by (case id, address))."""

    profiles: dict[str, Profile]
    recipients: dict[tuple[str, str], Recipient]
    attempts: dict[str, list[ContactAttempt]]
    consents: dict[str, list[Consent]]
    languages: dict[str, str]


def load_inputs(session: Session, messages: Iterable, default_tz: str = DEFAULT_TZ
                ) -> BatchInputs:
    """The rule inputs for messages (rows with case_id, channel, recipient)."""
    messages = [m for m in messages if m.case_id]
    case_ids = list({m.case_id for m in messages})
    cases = list(session.execute(select(Case.id, Case.debtor_id, Case.dispute_open,
                                        Case.jurisdiction, Case.lender_id)
                                 .where(in_values(session, Case.id, case_ids))))
    debtors = debtor_facts_for(session, cases)
    party_of = {c.id: c.debtor_id for c in cases}
    parties = list(set(party_of.values()))
    zones = _home_zones(session, parties, default_tz)
    points = _points(session, parties)
    recipients = {}
    for m in messages:
        if m.case_id not in party_of:
            continue
        party = party_of[m.case_id]
        point_id, opt_outs = points.get((party, POINT_CHANNEL.get(m.channel), m.recipient),
                                        (None, frozenset()))
        recipients[(m.case_id, m.recipient)] = Recipient(
            m.case_id, debtors[m.case_id], zones.get(party, default_tz), point_id, opt_outs)
    languages = dict(session.execute(select(Party.id, Party.language)
                                     .where(in_values(session, Party.id, parties))).all())
    return BatchInputs(ProfileResolver(session).for_cases(cases), recipients,
                       attempts_for(session, case_ids), consents_for(session, parties),
                       {case: languages.get(party, "zh-CN") for case, party in party_of.items()})


def _home_zones(session: Session, parties: list[str], default_tz: str) -> dict[str, str]:
    """Each party's home address zone (the first home recorded), else the default."""
    zones: dict[str, str] = {}
    for party, tz in session.execute(
            select(Address.party_id, Address.time_zone)
            .where(in_values(session, Address.party_id, parties), Address.kind == "home")
            .order_by(Address.party_id, Address.created_at.desc(), Address.id.desc())):
        zones[party] = tz or default_tz  # the last row per party is its first home
    return zones


def _points(session: Session, parties: list[str]) -> dict[tuple, tuple[str, frozenset[str]]]:
    """(party, channel, value) -> (contact point id, channels that point opted out of)."""
    rows = list(session.execute(select(ContactPoint.id, ContactPoint.party_id,
                                       ContactPoint.channel, ContactPoint.value)
                                .where(in_values(session, ContactPoint.party_id, parties),
                                       ContactPoint.valid.is_(True))))
    opted: dict[str, set[str]] = defaultdict(set)
    if rows:
        for point, channel in session.execute(
                select(OptOut.contact_point_id, OptOut.channel).where(
                    in_values(session, OptOut.contact_point_id, [r.id for r in rows]),
                    OptOut.lifted_at.is_(None))):
            opted[point].add(channel)
    return {(r.party_id, r.channel, r.value): (r.id, frozenset(opted[r.id])) for r in rows}
