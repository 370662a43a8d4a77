"""Plain input records the checks read; callers build them from the database or a device push."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from .params import TimeWindow

ALL_CHANNELS = "all"  # in `cease_channels`: a cease-communication request covers every channel


class Channel(StrEnum):
    """How a contact is made."""

    VISIT = "visit"
    CALL = "call"
    SMS = "sms"


class ConsentKind(StrEnum):
    """What a consent allows; each relaxes exactly one rule."""

    RECORDING = "recording"  # RECORDING
    CONTACT_TIME = "contact_time"  # QUIET: the debtor agreed to a time (carries `window`)
    WORKPLACE_VISIT = "workplace_visit"  # WORKPLACE
    EXTRA_VISITS = "extra_visits"  # VISIT_CAP, where a cap is consent_exempt (must be written)
    EXTRA_CALLS = "extra_calls"  # CALL_CAP rolling caps, where consent_exempt
    VISIT_DURING_DISPUTE = "visit_during_dispute"  # VULNERABLE (dispute part)


@dataclass(frozen=True)
class DebtorFacts:
    """What the rules need to know about the debtor (the party being contacted)."""

    party_id: str
    vulnerable: bool = False
    dispute_open: bool = False
    attorney_represented: bool = False
    cease_channels: frozenset[str] = frozenset()  # Channel values or ALL_CHANNELS
    hold_until: date | None = None  # sensitive-occasion hold, inclusive, local date
    hold_reason: str | None = None  # bereavement, disaster, wedding …
    preferred_windows: tuple[TimeWindow, ...] = ()  # debtor-stated convenient hours


@dataclass(frozen=True)
class AddressFacts:
    """The visited location: its kind (home/work/registered/mailing) and IANA time zone."""

    address_id: str
    kind: str
    tz: str


@dataclass(frozen=True)
class CollectorFacts:
    """A collector's credentials as of today."""

    collector_id: str
    certification_expires_on: date | None = None
    training_completed_on: date | None = None
    has_id_number: bool = False


@dataclass(frozen=True)
class ContactAttempt:
    """One ledger row: a visit, call or message, failed ones included."""

    channel: str
    at_utc: datetime
    party_id: str
    debt_id: str | None = None
    contact_point_id: str | None = None
    connected: bool = False  # a call answered by the person called = a conversation
    outcome: str | None = None
    attempt_id: str | None = None


@dataclass(frozen=True)
class Consent:
    """What a person agreed to, when and how; `window` is the time a CONTACT_TIME consent covers."""

    kind: str
    party_id: str
    given_at: datetime  # server-corrected UTC
    method: str = "verbal"  # written | verbal | recorded | app
    withdrawn_at: datetime | None = None
    window: TimeWindow | tuple[datetime, datetime] | None = None
    text_version: str | None = None

    def active_at(self, at: datetime) -> bool:
        """True when given at or before `at` and not withdrawn by then."""
        return self.given_at <= at and (self.withdrawn_at is None or at < self.withdrawn_at)


def active_consents(
    consents: Iterable[Consent], kind: str, party_id: str, at: datetime, written: bool = False
) -> list[Consent]:
    """Return the consents of one kind by one party in force at `at` (written ones if asked)."""
    return [
        c
        for c in consents
        if c.kind == kind
        and c.party_id == party_id
        and c.active_at(at)
        and (not written or c.method == "written")
    ]


def time_exceptions(
    consents: Iterable[Consent], party_id: str, at: datetime
) -> list[TimeWindow | tuple[datetime, datetime]]:
    """Return the contact-time windows the party agreed to, from consents in force at `at`."""
    found = active_consents(consents, ConsentKind.CONTACT_TIME, party_id, at)
    return [c.window for c in found if c.window is not None]


@dataclass(frozen=True)
class VisitPlan:
    """A visit a dispatcher is assigning: window (UTC), collectors, and any notice already given."""

    visit_id: str
    party_id: str
    debt_id: str
    window_start_utc: datetime
    window_end_utc: datetime
    collector_ids: tuple[str, ...]
    notice_given_at: datetime | None = None


@dataclass(frozen=True)
class CheckIn:
    """A collector's arrival as the device recorded it, with that device's clock correction."""

    collector_id: str
    device_at: datetime
    clock_offset: timedelta = timedelta(0)

    @property
    def at_utc(self) -> datetime:
        """The corrected arrival time."""
        return self.device_at + self.clock_offset


@dataclass(frozen=True)
class SyncedVisitFacts:
    """Facts of one visit pushed from a device; device times are corrected by `clock_offset`."""

    visit_id: str
    party_id: str
    debt_id: str
    check_ins: tuple[CheckIn, ...] = ()
    outcome: str | None = None
    discussed_debt: bool = False  # with a third party: were debt details disclosed?
    recording_device_at: datetime | None = None
    clock_offset: timedelta = timedelta(0)
    # The collectors who checked in at the visit, when `check_ins` holds only some of its
    # check-ins (the newly synced ones, judged one by one); None: those of `check_ins`.
    present: tuple[str, ...] | None = None

    @property
    def collector_ids(self) -> tuple[str, ...]:
        """Who checked in (one entry per check-in, or the distinct collectors of `present`)."""
        if self.present is not None:
            return self.present
        return tuple(c.collector_id for c in self.check_ins)


@dataclass(frozen=True)
class CallPlan:
    """A call or message about to be created as a follow-up."""

    at_utc: datetime
    party_id: str
    debt_id: str
    contact_point_id: str
    channel: str = Channel.CALL
    contact_point_opt_outs: frozenset[str] = frozenset()  # channels this number opted out of
