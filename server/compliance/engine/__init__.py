"""Compliance rule engine: rule profiles as data, evaluated in the debtor's local time.

Pure functions over plain records: no Flask, no database. Callers (services, jobs, sync) load
the facts, call a check, store the verdict. See docs/compliance.md.
"""

from .checks import check_assignment, check_call, reminder_due_at
from .facts import (
    ALL_CHANNELS,
    AddressFacts,
    CallPlan,
    Channel,
    CheckIn,
    CollectorFacts,
    Consent,
    ConsentKind,
    ContactAttempt,
    DebtorFacts,
    SyncedVisitFacts,
    VisitPlan,
)
from .merge import merge_strictest
from .params import RollingCap, TimeWindow
from .profiles import Profile, ProfileInvalid
from .retention import check_purge, retention_cutoff, retention_years
from .seeds import DEFAULT_CODE, SEEDED, seeded_profile
from .sync_checks import check_synced_visit_facts
from .verdicts import Finding, Rule, Severity, Verdict
from .windows import allowed_windows, check_contact_time, check_window, local_date

__all__ = [
    "ALL_CHANNELS",
    "DEFAULT_CODE",
    "SEEDED",
    "AddressFacts",
    "CallPlan",
    "Channel",
    "CheckIn",
    "CollectorFacts",
    "Consent",
    "ConsentKind",
    "ContactAttempt",
    "DebtorFacts",
    "Finding",
    "Profile",
    "ProfileInvalid",
    "RollingCap",
    "Rule",
    "Severity",
    "SyncedVisitFacts",
    "TimeWindow",
    "Verdict",
    "VisitPlan",
    "allowed_windows",
    "check_assignment",
    "check_call",
    "check_contact_time",
    "check_purge",
    "check_synced_visit_facts",
    "check_window",
    "local_date",
    "merge_strictest",
    "reminder_due_at",
    "retention_cutoff",
    "retention_years",
    "seeded_profile",
]
