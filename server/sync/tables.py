"""Which tables travel, who owns them, and which columns a device sees or may send.

Device-owned *fact* tables are append-only (created by the device, never overwritten).
Server-owned tables go to devices; a device may change only the columns its entry marks writable.
Each table's entry declares how it travels: its anchor, scope, masking and effects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Table, or_, select

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
    OfferRequest,
    OptOut,
    Party,
    PartyRelationship,
    Payment,
    PaymentOffer,
    PaymentPromise,
    PromiseStatus,
    RoutePlan,
    RouteStop,
    RuleProfile,
    SelectionScore,
    User,
    Visit,
    VisitNote,
    VisitOutcome,
)
from server.models.selection import labelled_reasons
from server.sync.wire import encode_value, mask_birth_date, mask_contact, mask_national_id

# Set by the server on every fact; a device may echo them (they come down in pulls) but its
# values are ignored and they are not part of the content digest.
FACT_SERVER_COLUMNS = frozenset({"user_id", "device_id", "received_at", "clock_offset_ms",
                                 "digest"})
HIDDEN_COLUMNS = frozenset({"digest", "review_flag"})  # never sent to devices
# Timestamps the server keeps on its own rows; WatermelonDB apps commonly stamp `updated_at`
# locally on every change, so an `updated` row may carry them changed: they are ignored.
SERVER_MAINTAINED = frozenset({"created_at", "updated_at"})

# What a table's anchor column points at, reached from the collector's visits (server/sync/scope.py
# turns each into SQL): the visits themselves, their cases, the cases' debtors, a debtor or a
# party related to one, the visits' own addresses, any address of those parties, or the
# collector's route plans (today's in scope; from a day on when looking for rows that left).
REACHES = ("visit", "case", "debtor", "party", "visit_address", "address", "plan")

# Effects a fact table declares; server/facts implements each (sync imports no domain package):
COMPLETES_VISIT = "completes_visit"  # an outcome completes its visit (in the push)
SUPERSEDES = "supersedes_promise"  # a promise replaces the account's active one (in the push)
JUDGED = "judged_after"  # ledger, field evidence, compliance: queued, worked out after commit
REVIEW_FLAG = "review_flag"  # an amount above the balance is stored flagged for a person
MATCHES_POSTING = "matches_posting"  # a field receipt matched to the lender's posting of it
PROPOSES_OFFER = "proposes_offer"  # an offer becomes a pending offer (in the push; may refuse it)
EFFECTS = frozenset({COMPLETES_VISIT, SUPERSEDES, JUDGED, REVIEW_FLAG, MATCHES_POSTING,
                     PROPOSES_OFFER})


def _mask_party(row: dict, liable) -> dict:
    row["national_id"] = mask_national_id(row.get("national_id"))
    row["birth_date"] = mask_birth_date(row.get("birth_date"))
    return row


def _mask_contact(row: dict, liable) -> dict:
    if row["party_id"] not in liable():
        row["value"] = mask_contact(row["value"])
    return row


def _mask_request(row: dict, liable) -> dict:
    if row["kind"] == "vulnerability":
        row["note"] = None  # restricted: compliance and admins read it on the server
    return row


def _label_reasons(row: dict, liable) -> dict:
    # The score's reason codes as the collector reads them: [{code, en, zh}] (a JSON string).
    row["reasons"] = encode_value(labelled_reasons(json.loads(row["reasons"] or "[]")))
    return row


def _active(c, collector_id):
    return c.status == PromiseStatus.ACTIVE


def _profiles_for(c, collector_id):
    # Jurisdiction and lender profiles apply to everyone's cases; an agency's own profile is
    # its configuration, for its people only.
    return or_(c.scope != "agency", c.agency_id.in_(
        select(User.agency_id).where(User.id == collector_id)))


@dataclass(frozen=True)
class SyncTable:
    """One synced table and everything sync does differently for it.

    anchors: (column, reach) pairs, OR-ed: the rows hanging off the collector's visits whatever
      their state; none for a global table.
    keep: an extra condition (columns, collector_id) -> SQL on top of the anchor for what the
      device holds now (a promise only while active).
    mask: (wire row, liable_party_ids()) -> the row as the phone may hold it.
    day: a date column: the device holds only the rows of today (the operation's local day),
      and yesterday's leave it on the first pull of a new day.
    hidden: columns of this table never sent (beside HIDDEN_COLUMNS), e.g. model internals.
    server_set / writable / computed: columns the server sets on a fact, a device may change
      on an `updated` server row, the server computes into pulled rows.
    effects: what applying one of its facts implies (EFFECTS, done in server/facts).
    """

    name: str
    model: type
    fact: bool
    since: int = 1  # the schema version that brought the table: older apps never see it
    anchors: tuple[tuple[str, str], ...] = ()
    keep: Callable | None = None
    mask: Callable | None = None
    day: str | None = None
    hidden: frozenset[str] = frozenset()
    server_set: frozenset[str] = frozenset()
    writable: frozenset[str] = frozenset()
    computed: frozenset[str] = frozenset()
    effects: frozenset[str] = frozenset()

    def __post_init__(self):
        unknown = {r for _, r in self.anchors if r not in REACHES} | (self.effects - EFFECTS)
        if unknown:
            raise ValueError(f"{self.name}: unknown anchor reach or effect {sorted(unknown)}")
        missing = ({self.day} - {None}) | self.hidden
        missing -= set(self.table.c.keys())
        if missing:
            raise ValueError(f"{self.name}: no such columns {sorted(missing)}")

    @property
    def table(self) -> Table:
        return self.model.__table__

    @property
    def dated(self) -> bool:
        """Anchored on route plans or keyed by a day: which rows it holds depends on the day."""
        return self.day is not None or any(reach == "plan" for _, reach in self.anchors)

    @property
    def filtered(self) -> bool:
        """Its scope is narrower than its anchor: rows can leave while their anchor stays."""
        return bool(self.anchors) and (self.keep is not None or self.dated)

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """Column names as devices see them (raw, snake_case)."""
        hidden = HIDDEN_COLUMNS | self.hidden
        return tuple(c.name for c in self.table.columns if c.name not in hidden)

    @cached_property
    def server_columns(self) -> frozenset[str]:
        """Columns the server sets on a fact; ignored when a device sends them."""
        return FACT_SERVER_COLUMNS | self.server_set

    @cached_property
    def content_columns(self) -> tuple[str, ...]:
        """Columns a device supplies for a fact: what its digest covers."""
        return tuple(c.name for c in self.table.columns if c.name not in self.server_columns)


_BY_VISIT = (("visit_id", "visit"),)
_BY_CASE = (("case_id", "case"),)
_BY_PARTY = (("party_id", "party"),)

# Order matters: a first sync sends tables in this order (parents before children), and
# pages through them in (table, id) order. A new synced table is one entry here.
_ALL = (
    SyncTable("rule_profiles", RuleProfile, False, keep=_profiles_for),
    SyncTable("consent_texts", ConsentText, False),
    SyncTable("parties", Party, False, anchors=(("id", "party"),), mask=_mask_party),
    SyncTable("party_relationships", PartyRelationship, False,
              anchors=(("debtor_id", "debtor"),)),
    SyncTable("addresses", Address, False, anchors=(*_BY_PARTY, ("id", "visit_address"))),
    SyncTable("contact_points", ContactPoint, False, anchors=_BY_PARTY, mask=_mask_contact,
              writable=frozenset({"valid"})),  # the collector found the number dead
    SyncTable("opt_outs", OptOut, False, anchors=_BY_PARTY),
    SyncTable("cases", Case, False, anchors=(("id", "case"),)),
    SyncTable("accounts", Account, False, anchors=_BY_CASE),
    SyncTable("visits", Visit, False, anchors=(("id", "visit"),),
              computed=frozenset({"allowed_windows"})),
    SyncTable("route_plans", RoutePlan, False, anchors=(("id", "plan"),)),
    SyncTable("route_stops", RouteStop, False, anchors=(("plan_id", "plan"),)),
    SyncTable("check_ins", CheckIn, True, anchors=_BY_VISIT, effects=frozenset({JUDGED})),
    SyncTable("visit_outcomes", VisitOutcome, True, anchors=_BY_VISIT,
              effects=frozenset({COMPLETES_VISIT, JUDGED})),
    SyncTable("visit_notes", VisitNote, True, anchors=_BY_VISIT),
    SyncTable("payment_promises", PaymentPromise, True, anchors=_BY_CASE, keep=_active,
              server_set=frozenset({"status", "status_changed_at", "superseded_by",
                                    "paid_amount", "review_flag"}),
              effects=frozenset({SUPERSEDES, REVIEW_FLAG})),
    SyncTable("payments", Payment, True, anchors=_BY_CASE,
              server_set=frozenset({"voided_at", "void_reason", "review_flag", "lender_id"}),
              effects=frozenset({REVIEW_FLAG, MATCHES_POSTING})),
    SyncTable("consents", Consent, True, anchors=_BY_CASE),
    SyncTable("address_reports", AddressReport, True,
              anchors=(*_BY_VISIT, ("address_id", "address")), effects=frozenset({JUDGED})),
    SyncTable("attachments", Attachment, True, anchors=_BY_VISIT, effects=frozenset({JUDGED})),
    # The debtor's voice and calls recorded on the phone (server/cases/field_facts.py).
    SyncTable("case_requests", CaseRequestFact, True, since=2, anchors=_BY_CASE,
              mask=_mask_request,
              server_set=frozenset({"event_id"})),  # the case event the request became
    SyncTable("call_logs", CallLog, True, since=2, anchors=_BY_CASE),
    # Why a case was chosen for a visit (or not), for the collector at the door: today's score
    # of each of their cases, read-only; the model's internals and the dispatcher's override
    # note stay on the server (server/selection/scoring.py writes it, docs/selection.md).
    SyncTable("selection_scores", SelectionScore, False, since=3, anchors=_BY_CASE,
              day="scored_on", mask=_label_reasons,
              hidden=frozenset({"team_id", "model_id", "p_visit", "p_no_visit",
                                "expected_amount", "override_reason", "override_by",
                                "override_at"})),
    # Offers made at the door (server/payments/field_offers.py), on the collector's own visits,
    # and every offer on their visits' cases with its decision and approved schedule.
    SyncTable("offer_requests", OfferRequest, True, since=3, anchors=_BY_VISIT,
              server_set=frozenset({"offer_id"}),  # the pending offer it became
              effects=frozenset({PROPOSES_OFFER})),
    SyncTable("payment_offers", PaymentOffer, False, since=3, anchors=_BY_CASE),
)
SYNC_TABLES: dict[str, SyncTable] = {t.name: t for t in _ALL}
TABLE_ORDER: tuple[str, ...] = tuple(t.name for t in _ALL)
FACT_TABLES: tuple[str, ...] = tuple(t.name for t in _ALL if t.fact)
# Views of the registry kept for their readers.
DEVICE_WRITABLE = {t.name: t.writable for t in _ALL if t.writable}
COMPUTED_COLUMNS = {t.name: t.computed for t in _ALL if t.computed}


def with_effect(effect: str) -> tuple[str, ...]:
    """The tables whose facts have this effect, in table order."""
    if effect not in EFFECTS:
        raise ValueError(f"unknown effect {effect!r}")
    return tuple(t.name for t in _ALL if effect in t.effects)


def known_to(schema_version: int) -> frozenset[str]:
    """The tables an app with this local schema version has."""
    return frozenset(t.name for t in _ALL if t.since <= schema_version)
