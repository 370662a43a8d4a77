"""Write chunks of valid rows: admit them, then parties, cases, accounts and their children.

Each chunk is read (what its keys already have in the database), planned in Python (admission,
new and changed records, ids, counts) and written. `ChunkWriter` pipelines this: while this
thread plans chunk k, a worker thread writes chunk k-1 and reads chunk k+1 on the import's
connection (PostgreSQL; psycopg releases the GIL while it waits), and nothing else uses the
connection meanwhile. A chunk is read before the previous chunk's writes go out; what those
writes will leave (`Overlay`, known exactly from the plan) is laid over what was read. SQLite
runs the same steps in place, in the same order.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, join
from sqlalchemy.orm import Session

from server.imports import children
from server.imports.admission import FileState, admit
from server.imports.history import plan_history
from server.imports.report import Report
from server.imports.rows import ImportRow
from server.imports.scope import AgencyScope, out_of_scope
from server.imports.staging import refresh_statistics
from server.imports.upsert import Job, fetch, plan, run_jobs, write
from server.models import (
    Account,
    Address,
    Case,
    ContactPoint,
    Party,
    PartyRelationship,
    Placement,
)

PARTY_RULES = {"full_name": "replace", "national_id": "coalesce", "gender": "coalesce",
               "birth_date": "coalesce", "vulnerable": "or"}
CASE_RULES = {"jurisdiction": "coalesce"}
ACCOUNT_RULES = {"principal": "replace", "outstanding": "replace", "product": "coalesce",
                 "currency": "coalesce", "overdue_amount": "coalesce", "due_since": "coalesce",
                 "dpd": "coalesce", "bucket": "coalesce"}
TABLES = ("parties", "cases", "accounts", "party_relationships", "addresses", "contact_points",
          "placements")
ACCOUNT_DEFAULTS = {"product": "loan", "currency": "CNY", "overdue_amount": Decimal("0"), "dpd": 0,
                    "bucket": "M0"}


@dataclass
class Fresh:
    """Rows this import created, and which of them a device could hold before it commits.

    A device holds what hangs off its collector's visits (server/sync/scope.py). No visit can point
    at a case this transaction created, so such a case, its accounts, its debtor and the
    debtor's relationships, addresses and phones are in no device's scope: when a visit is
    assigned later, the pull sends the visit's whole subtree. They need no change-feed note.
    A party created here can be in a device's scope only as a related party of an older
    debtor ("exposed"); then it and its later children are noted (and the pull resends the
    subtree of a visit whose debtor gained a relationship, which the relationship's note
    triggers). Everything else written is noted.
    """

    cases: set[str] = field(default_factory=set)  # ids of cases created by this import
    parties: set[str] = field(default_factory=set)  # ids of parties created by this import
    exposed: set[str] = field(default_factory=set)  # of those, related to an older debtor

    def case_held(self, case_id: str) -> bool:
        return case_id not in self.cases

    def party_held(self, party_id: str) -> bool:
        return party_id not in self.parties or party_id in self.exposed

    def debtor_held(self, debtor_id: str) -> bool:
        return debtor_id not in self.parties


@dataclass
class Context:
    """Everything a chunk needs: the session, the lender, this file's state and its report."""

    session: Session
    lender_id: str
    jurisdiction: str
    agencies: dict[str, str]  # code -> id
    report: Report
    state: FileState = field(default_factory=FileState)
    fresh: Fresh = field(default_factory=Fresh)
    scope: AgencyScope | None = None  # an agency's import; None: the lender's own
    run_id: str | None = None  # the ImportRun: the case history names it


@dataclass
class Overlay:
    """What a planned chunk's writes will leave in the database, per table, as a read gives it."""

    cases: dict = field(default_factory=dict)  # external id -> (id, jurisdiction)
    accounts: dict = field(default_factory=dict)  # external id -> (id, *ACCOUNT_RULES)
    parties: dict = field(default_factory=dict)  # external id -> (id, *PARTY_RULES)
    relationships: dict = field(default_factory=dict)  # (debtor, party) -> (id, *RULES)
    addresses: set = field(default_factory=set)  # (party id, kind, text)
    contact_points: set = field(default_factory=set)  # (party id, channel, value)
    placements: set = field(default_factory=set)  # (case id, agency id) of open placements


@dataclass
class Read:
    """The rows a chunk's keys have in the database (with the pending chunk's writes laid over)."""

    cases: dict
    case_debtor: dict  # case external id -> debtor external id (database only)
    accounts: dict
    account_case: dict  # account external id -> case external id (database only)
    parties: dict
    relationships: dict
    addresses: set
    contact_points: set
    placements: set


class OnConnection:
    """What the write path asks of a session (its bind, its connection), from one connection."""

    def __init__(self, connection: Connection):
        self._connection = connection

    def connection(self) -> Connection:
        return self._connection

    def get_bind(self) -> Connection:
        return self._connection


class ChunkWriter:
    """Pipelines chunks: while this thread plans chunk k, the database writes chunk k-1 and
    reads chunk k+1 (in a worker thread on PostgreSQL; in place, in the same order, on SQLite).

    On the connection the order is … W(k-2), R(k), W(k-1), R(k+1) …: a chunk's rows are read
    before the previous chunk's writes go out, and what those writes will leave (the previous
    plan's Overlay) is laid over what was read. Use as a context manager: on the way out,
    whatever happened, the worker is off the connection before the caller rolls back or
    commits. After a failed statement the worker runs nothing more; the failure is raised.
    """

    def __init__(self, ctx: Context):
        self.ctx = ctx
        # The transaction's connection, for the worker: a (Flask) session finds it through
        # the current application, which only this thread has.
        self.session = OnConnection(ctx.session.connection())
        self.rows: list[ImportRow] | None = None  # read, not planned yet
        self.reading: Future | None = None
        self.overlay = Overlay()  # what the last planned chunk's writes will leave
        self.writes: list[Future] = []
        self.failure: BaseException | None = None
        postgres = self.session.get_bind().dialect.name == "postgresql"
        self.pool = ThreadPoolExecutor(1, "import-writer") if postgres else None
        self.driver = None
        if postgres:
            refresh_statistics(ctx.session, TABLES)
            # Every chunk sends the same statements. psycopg prepares a statement sent five
            # times, and PostgreSQL may then keep one generic plan for it, made while the
            # import's tables were still small: a lookup planned as a sequential scan of a
            # then-empty table is run once per key as the table grows (an import stalled for
            # minutes). Unprepared, each chunk's lookups are planned for the table as it is.
            self.driver = self.session.connection().connection.driver_connection
            self.prepare_threshold = self.driver.prepare_threshold
            self.driver.prepare_threshold = None

    def add(self, rows: list[ImportRow]) -> None:
        """Read this chunk's rows (in the worker) while the previous chunk is planned here."""
        reading = self._submit(fetch_chunk, self.session, self.ctx.lender_id, rows)
        if self.rows is not None:
            self._plan()
        self.rows, self.reading = rows, reading

    def finish(self) -> None:
        """Plan the last chunk and wait until everything is written."""
        if self.rows is not None:
            self._plan()
            self.rows = self.reading = None
        for written in self.writes:
            written.result()
        self.writes = []

    def _plan(self) -> None:
        read = merged(self.reading.result(), self.overlay)
        jobs, self.overlay = plan_chunk(self.ctx, self.rows, read)
        for written in [w for w in self.writes if w.done()]:
            written.result()  # raise a failure early
            self.writes.remove(written)
        if jobs:
            self.writes.append(self._submit(run_jobs, self.session, jobs))

    def _submit(self, work, *args) -> Future:
        if self.pool is not None:
            return self.pool.submit(self._guarded, work, *args)
        done: Future = Future()
        try:
            done.set_result(self._guarded(work, *args))
        except Exception as exc:  # raised where the result is asked for, as with the worker
            done.set_exception(exc)
        return done

    def _guarded(self, work, *args):
        if self.failure is not None:
            raise self.failure  # the transaction is aborted: nothing else can run
        try:
            return work(*args)
        except BaseException as exc:
            self.failure = exc
            raise

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, *exc) -> None:
        outstanding = [f for f in (self.reading, *self.writes) if f is not None]
        if self.pool is not None:  # the worker is off the connection (queued work dropped)
            self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
        if self.driver is not None:
            self.driver.prepare_threshold = self.prepare_threshold
        if exc[0] is None:
            for future in outstanding:
                future.result()


def fetch_chunk(session, lender_id: str, rows: list[ImportRow]) -> Read:
    """What the database holds for the chunk's keys (run in the worker: no planning state).

    Keys of every valid row are read, admitted or not: admission is planning. Children are
    read for the parents found here; parents the pending chunk creates have all their
    children in its Overlay.
    """
    found = fetch(session, [Case.external_id, Case.id, Case.jurisdiction, Party.external_id],
                  Case.external_id, (r.case_id for r in rows), Case.lender_id == lender_id,
                  source=join(Case, Party, Party.id == Case.debtor_id))
    cases = {r[0]: r[1:3] for r in found}
    case_debtor = {r[0]: r[3] for r in found}
    found = fetch(session, [Account.external_id, Account.id,
                            *(getattr(Account, c) for c in ACCOUNT_RULES), Case.external_id],
                  Account.external_id, (r.account_id for r in rows),
                  Account.lender_id == lender_id,
                  source=join(Account, Case, Case.id == Account.case_id))
    accounts = {r[0]: r[1:-1] for r in found}
    account_case = {r[0]: r[-1] for r in found}
    people = {row.debtor_id: None for row in rows}
    people.update((c.external_id, None) for row in rows for c in row.contacts)
    parties = {r[0]: r[1:] for r in fetch(
        session, [Party.external_id, Party.id, *(getattr(Party, c) for c in PARTY_RULES)],
        Party.external_id, people, Party.lender_id == lender_id)}
    # Relationships and addresses hang off debtors; phones off debtors and related parties.
    old_debtors = list({parties[r.debtor_id][0]: None for r in rows if r.debtor_id in parties})
    old_parties = [parties[key][0] for key in people if key in parties]
    old_cases = list({cases[r.case_id][0]: None for r in rows if r.case_id in cases})
    relationships = {(r[0], r[1]): r[2:] for r in fetch(
        session, [PartyRelationship.debtor_id, PartyRelationship.party_id, PartyRelationship.id,
                  *(getattr(PartyRelationship, c) for c in children.RELATIONSHIP_RULES)],
        PartyRelationship.debtor_id, old_debtors)}
    addresses = set(map(tuple, fetch(session, [Address.party_id, Address.kind, Address.raw_text],
                                     Address.party_id, old_debtors)))
    contact_points = set(map(tuple, fetch(
        session, [ContactPoint.party_id, ContactPoint.channel, ContactPoint.value],
        ContactPoint.party_id, old_parties)))
    placements = set(map(tuple, fetch(session, [Placement.case_id, Placement.agency_id],
                                      Placement.case_id, old_cases,
                                      Placement.returned_at.is_(None))))
    return Read(cases, case_debtor, accounts, account_case, parties, relationships,
                addresses, contact_points, placements)


def merged(read: Read, overlay: Overlay) -> Read:
    """What was read, with what the pending chunk's writes will leave laid over it."""
    read.cases.update(overlay.cases)
    read.accounts.update(overlay.accounts)
    read.parties.update(overlay.parties)
    read.relationships.update(overlay.relationships)
    read.addresses |= overlay.addresses
    read.contact_points |= overlay.contact_points
    read.placements |= overlay.placements
    return read


def plan_chunk(ctx: Context, rows: list[ImportRow], read: Read) -> tuple[list[Job], Overlay]:
    """Admit rows against the file and the database, plan their writes, count each outcome."""
    admitted = []
    placed: dict[str, set] = {}
    if ctx.scope is not None:
        for case_id, agency_id in read.placements:
            placed.setdefault(case_id, set()).add(agency_id)
    for row in rows:
        errors = {}
        if ctx.scope is not None:  # an agency's import: nothing outside its scope, unnamed
            errors = out_of_scope(ctx.scope, row, read, placed, ctx.agencies)
        errors = errors or admit(ctx.state, row, read.case_debtor, read.account_case,
                                 ctx.agencies)
        if errors:
            ctx.report.reject(row.line, {"case_id": row.case_id, "account_id": row.account_id,
                                         "debtor_id": row.debtor_id}, errors)
        else:
            admitted.append(row)
    touched: set[int] = set()
    jobs: list[Job] = []
    overlay = Overlay()
    parties = _parties(ctx, admitted, read.parties, touched, jobs)
    overlay.parties = parties.written
    cases = _cases(ctx, admitted, read.cases, parties.ids, touched, jobs)
    overlay.cases = cases.written
    accounts = _accounts(ctx, admitted, read.accounts, cases.ids, touched, jobs)
    children.plan_children(ctx, admitted, read, overlay, parties, cases, touched, jobs)
    plan_history(ctx, admitted, read, accounts, cases.ids, touched, jobs)
    overlay.accounts = accounts.written
    for row in admitted:
        ctx.report.row("created" if row.account_id not in read.accounts
                       else "updated" if row.line in touched else "unchanged")
        if row.case_id in cases.created:
            ctx.report.case(cases.ids[row.case_id], "created")
        elif row.line in touched:
            ctx.report.case(cases.ids[row.case_id], "updated")
    return jobs, overlay


def _parties(ctx: Context, rows: list[ImportRow], existing: dict, touched: set[int],
             jobs: list[Job]):
    wanted: dict[str, tuple[dict, int]] = {}
    for row in rows:  # the debtor's own row says more about a person than a contact column
        _merge(wanted, row.debtor_id, row.debtor, row.line)
    for row in rows:
        for contact in row.contacts:
            _merge(wanted, contact.external_id, {"full_name": contact.name}, row.line)
    for values, _line in wanted.values():
        values["lender_id"] = ctx.lender_id
    order: dict[str, None] = {}
    for row in rows:  # ids in the order the file gives people: a debtor, then its contacts
        order.setdefault(row.debtor_id)
        order.update((contact.external_id, None) for contact in row.contacts)
    result = plan(wanted, existing, PARTY_RULES, {"vulnerable": False}, order)
    fresh, ids = ctx.fresh, result.ids
    fresh.parties.update(ids[key] for key in result.created)
    for row in rows:
        if row.contacts and fresh.debtor_held(ids[row.debtor_id]):
            fresh.exposed.update(pid for contact in row.contacts
                                 if (pid := ids[contact.external_id]) in fresh.parties)
    write(jobs, Party.__table__, result, ("lender_id", "external_id"), PARTY_RULES,
          ctx.report, lambda record: fresh.party_held(record["id"]))
    touched |= result.lines
    return result


_PARTY = {"external_id": None, **dict.fromkeys(PARTY_RULES)}


def _merge(wanted: dict, external_id: str, values: dict, line: int) -> None:
    found = wanted.get(external_id)
    if found is None:
        party = _PARTY.copy()
        party["external_id"] = external_id
        party.update(values)
        wanted[external_id] = (party, line)
        return
    merged = found[0]
    for key, value in values.items():
        if merged.get(key) is None or (key == "vulnerable" and value):
            merged[key] = value


def _cases(ctx, rows, existing, party_ids, touched, jobs):
    wanted: dict[str, tuple[dict, int]] = {}
    for row in rows:
        wanted.setdefault(row.case_id, ({
            "lender_id": ctx.lender_id, "external_id": row.case_id,
            "debtor_id": party_ids[row.debtor_id], "jurisdiction": row.jurisdiction}, row.line))
    result = plan(wanted, existing, CASE_RULES, {"jurisdiction": ctx.jurisdiction})
    fresh = ctx.fresh
    fresh.cases.update(result.ids[key] for key in result.created)
    write(jobs, Case.__table__, result, ("lender_id", "external_id"), CASE_RULES, ctx.report,
          lambda record: fresh.case_held(record["id"]))
    touched |= result.lines
    return result


def _accounts(ctx, rows, existing, case_ids, touched, jobs):
    wanted = {row.account_id: ({
        "lender_id": ctx.lender_id, "external_id": row.account_id,
        "case_id": case_ids[row.case_id], **row.account}, row.line) for row in rows}
    result = plan(wanted, existing, ACCOUNT_RULES, ACCOUNT_DEFAULTS)
    fresh = ctx.fresh
    write(jobs, Account.__table__, result, ("lender_id", "external_id"), ACCOUNT_RULES,
          ctx.report, lambda record: fresh.case_held(record["case_id"]))
    touched |= result.lines
    return result
