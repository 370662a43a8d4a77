"""Which tables travel, who owns them, and which columns a device sees or may send.

Device-owned *fact* tables are append-only (created by the device, never overwritten).
Server-owned tables go to devices; a device may change only the columns in DEVICE_WRITABLE.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Table

from server.models import (
    Account,
    Address,
    AddressReport,
    Attachment,
    CallLog,
    Case,
    CaseRequestFact,
    CheckIn,
    Consent,
    ConsentText,
    ContactPoint,
    OptOut,
    Party,
    PartyRelationship,
    Payment,
    PaymentPromise,
    RoutePlan,
    RouteStop,
    RuleProfile,
    Visit,
    VisitNote,
    VisitOutcome,
)

# Set by the server on every fact; a device may echo them (they come down in pulls) but its
# values are ignored and they are not part of the content digest.
FACT_SERVER_COLUMNS = frozenset({"user_id", "device_id", "received_at", "clock_offset_ms",
                                 "digest"})
EXTRA_SERVER_COLUMNS = {
    "payment_promises": frozenset({"status", "status_changed_at", "superseded_by",
                                   "paid_amount", "review_flag"}),
    "payments": frozenset({"voided_at", "void_reason", "review_flag", "lender_id"}),
    "case_requests": frozenset({"event_id"}),  # the case event the request became
}
# Server-owned columns a device may change with an `updated` row. Everything else about
# master data reaches the server as a fact (an address_report, a visit_outcome …).
DEVICE_WRITABLE = {
    "contact_points": frozenset({"valid"}),  # the collector found the number dead
}
HIDDEN_COLUMNS = frozenset({"digest", "review_flag"})  # never sent to devices
# Values the server computes into pulled rows; a device echoing them back is ignored.
COMPUTED_COLUMNS = {"visits": frozenset({"allowed_windows"})}
# Timestamps the server keeps on its own rows; WatermelonDB apps commonly stamp `updated_at`
# locally on every change, so an `updated` row may carry them changed: they are ignored.
SERVER_MAINTAINED = frozenset({"created_at", "updated_at"})


@dataclass(frozen=True)
class SyncTable:
    name: str
    model: type
    fact: bool
    since: int = 1  # the schema version that brought the table: older apps never see it

    @property
    def table(self) -> Table:
        return self.model.__table__

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """Column names as devices see them (raw, snake_case)."""
        return tuple(c.name for c in self.table.columns if c.name not in HIDDEN_COLUMNS)

    @cached_property
    def server_columns(self) -> frozenset[str]:
        """Columns the server sets on a fact; ignored when a device sends them."""
        return FACT_SERVER_COLUMNS | EXTRA_SERVER_COLUMNS.get(self.name, frozenset())

    @cached_property
    def content_columns(self) -> tuple[str, ...]:
        """Columns a device supplies for a fact: what its digest covers."""
        return tuple(c.name for c in self.table.columns if c.name not in self.server_columns)


# Order matters: a first sync sends tables in this order (parents before children), and
# pages through them in (table, id) order.
_ALL = (
    SyncTable("rule_profiles", RuleProfile, False),
    SyncTable("consent_texts", ConsentText, False),
    SyncTable("parties", Party, False),
    SyncTable("party_relationships", PartyRelationship, False),
    SyncTable("addresses", Address, False),
    SyncTable("contact_points", ContactPoint, False),
    SyncTable("opt_outs", OptOut, False),
    SyncTable("cases", Case, False),
    SyncTable("accounts", Account, False),
    SyncTable("visits", Visit, False),
    SyncTable("route_plans", RoutePlan, False),
    SyncTable("route_stops", RouteStop, False),
    SyncTable("check_ins", CheckIn, True),
    SyncTable("visit_outcomes", VisitOutcome, True),
    SyncTable("visit_notes", VisitNote, True),
    SyncTable("payment_promises", PaymentPromise, True),
    SyncTable("payments", Payment, True),
    SyncTable("consents", Consent, True),
    SyncTable("address_reports", AddressReport, True),
    SyncTable("attachments", Attachment, True),
    # The debtor's voice and calls recorded on the phone (server/cases/field_facts.py).
    SyncTable("case_requests", CaseRequestFact, True, since=2),
    SyncTable("call_logs", CallLog, True, since=2),
)
SYNC_TABLES: dict[str, SyncTable] = {t.name: t for t in _ALL}
TABLE_ORDER: tuple[str, ...] = tuple(t.name for t in _ALL)
FACT_TABLES: tuple[str, ...] = tuple(t.name for t in _ALL if t.fact)


def known_to(schema_version: int) -> frozenset[str]:
    """The tables an app with this local schema version has."""
    return frozenset(t.name for t in _ALL if t.since <= schema_version)
