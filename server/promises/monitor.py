"""The promise monitor: kept when enough was paid by the deadline, broken once it has passed.

A promise's deadline is the end of local day `due_on + grace` in the debtor's time zone, with
grace and tolerance from the case's effective profile. Everything runs as a few set-based
statements over temporary tables; Python only handles the small sets of distinct values
(profile combinations, time zones × due dates). A broken promise gets a follow-up inserted
`pending`: a call, or a revisit when the promise was made during a visit. The run then times
pending follow-ups by the compliance rules (`server.followups.backlog`: the call rules, or the
visit rules as after NOT_HOME) in batches of `batch` until none is left or `budget_s` is spent,
or cancels them with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from server.compliance.effective import ProfileResolver
from server.compliance.inputs import DEFAULT_TZ
from server.db.feed import record_from_select
from server.db.sql import chunks, dialect, insert_ignore, new_id_sql
from server.followups.backlog import BUDGET_S, time_pending_follow_ups
from server.followups.pending import BATCH, PENDING
from server.models import (
    Address,
    Case,
    FollowUp,
    FollowUpKind,
    PaymentPromise,
    Placement,
    PromiseStatus,
    utcnow,
)
from server.models.base import UTCDateTime
from server.payments.counted import counted_money
from server.promises import rules

_meta = MetaData()
_TEMP = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}
terms = Table("tmp_ptp_terms", _meta, Column("jurisdiction", String(16)),
              Column("lender_id", String(64)), Column("agency_key", String(64)),
              Column("grace", Integer), Column("factor", Numeric(8, 6)), **_TEMP)
cases = Table("tmp_ptp_cases", _meta, Column("case_id", String(64), primary_key=True),
              Column("tz", String(64)), Column("grace", Integer), Column("factor", Numeric(8, 6)),
              **_TEMP)
calendar = Table("tmp_ptp_calendar", _meta, Column("tz", String(64)), Column("grace", Integer),
                 Column("due_on", Date), Column("deadline_at", UTCDateTime), **_TEMP)
judged = Table("tmp_ptp_judged", _meta, Column("promise_id", String(64), primary_key=True),
               Column("case_id", String(64)), Column("visit_id", String(64)),
               Column("threshold", Numeric(14, 2)), Column("paid", Numeric(14, 2)),
               Column("paid_before", Numeric(14, 2)), Column("deadline_at", UTCDateTime),
               Column("decision", String(16)), **_TEMP)

P = PaymentPromise.__table__
# Flagged promises (implausible, waiting for a person) are not decided until cleared.
_ACTIVE = and_(P.c.status == PromiseStatus.ACTIVE, P.c.review_flag.is_(None))


def run_promise_monitor(
    session: Session, now: datetime | None = None, default_tz: str = DEFAULT_TZ,
    batch: int = BATCH, budget_s: float = BUDGET_S, clock: Callable[[], float] = time.monotonic,
    after_batch: Callable[[Session], None] | None = None,
) -> dict[str, int]:
    """Mark active promises kept or broken; a broken one gets a follow-up, timed by the
    compliance rules within `budget_s` seconds of `clock` (see `time_pending_follow_ups`).
    Returns counts."""
    now = now or utcnow()
    conn = session.connection()
    # Temporary tables live in this transaction only: dropped here, or by the rollback of a
    # failed run (and ON COMMIT DROP on PostgreSQL).
    _meta.create_all(conn, checkfirst=False)
    _fill_terms(session)
    _fill_cases(session, default_tz)
    _analyze(session, cases)
    _fill_calendar(session)
    _analyze(session, calendar)
    _fill_judged(session, now)
    _analyze(session, judged)
    counts = _decide(session, now)
    _meta.drop_all(conn, checkfirst=False)
    return {**counts, **time_pending_follow_ups(session, now, default_tz, batch, budget_s,
                                                clock, after_batch)}


def _analyze(session: Session, table: Table) -> None:
    """Planner statistics for a just-filled temporary table (autovacuum never sees them):
    without them PostgreSQL guesses a few rows and joins 1M promises by nested loops."""
    if dialect(session) == "postgresql":
        session.connection().exec_driver_sql(f"ANALYZE {table.name}")


def _placed():
    return and_(Placement.case_id == Case.id, Placement.returned_at.is_(None))


def _fill_terms(session: Session) -> None:
    combos = session.execute(
        select(Case.jurisdiction, Case.lender_id, func.coalesce(Placement.agency_id, ""))
        .distinct()
        .select_from(P).join(Case, Case.id == P.c.case_id).outerjoin(Placement, _placed())
        .where(_ACTIVE)
    ).all()
    resolver = ProfileResolver(session)
    rows = []
    for jurisdiction, lender_id, agency in combos:
        profile = resolver.merged(jurisdiction, lender_id, [agency] if agency else [])
        rows.append({"jurisdiction": jurisdiction, "lender_id": lender_id, "agency_key": agency,
                     "grace": profile.promise_grace_days,
                     "factor": 1 - profile.promise_amount_tolerance})
    if rows:
        session.connection().execute(insert(terms), rows)


def _fill_cases(session: Session, default_tz: str) -> None:
    # A case placed with several agencies matches several term rows: the largest grace and
    # tolerance (smallest factor) win, as merge_strictest would have it for the promise monitor.
    active_cases = select(P.c.case_id).distinct().where(_ACTIVE).subquery()
    source = (
        select(Case.id, func.coalesce(func.min(Address.time_zone), default_tz),
               func.max(terms.c.grace), func.min(terms.c.factor))
        .select_from(active_cases)
        .join(Case, Case.id == active_cases.c.case_id)
        .outerjoin(Placement, _placed())
        .join(terms, and_(terms.c.jurisdiction == Case.jurisdiction,
                          terms.c.lender_id == Case.lender_id,
                          terms.c.agency_key == func.coalesce(Placement.agency_id, "")))
        .outerjoin(Address, and_(Address.party_id == Case.debtor_id, Address.kind == "home"))
        .group_by(Case.id)
    )
    session.connection().execute(
        insert(cases).from_select(["case_id", "tz", "grace", "factor"], source))


def _fill_calendar(session: Session) -> None:
    combos = session.execute(
        select(cases.c.tz, cases.c.grace, P.c.due_on).distinct()
        .select_from(P).join(cases, cases.c.case_id == P.c.case_id).where(_ACTIVE)
    ).all()
    rows = [{"tz": tz, "grace": grace, "due_on": due_on,
             "deadline_at": rules.deadline(due_on, grace, tz)}
            for tz, grace, due_on in combos]
    for batch in chunks(rows):
        session.connection().execute(insert(calendar), batch)


def _fill_judged(session: Session, now: datetime) -> None:
    # Field payments and lender postings, the same money counted once (server/payments).
    pay = counted_money()
    paid = func.coalesce(func.round(func.sum(pay.c.amount), 2), 0)
    sums = (
        select(P.c.id.label("promise_id"), P.c.case_id, P.c.visit_id,
               func.round(P.c.amount * cases.c.factor, 2).label("threshold"),
               paid.label("paid"), P.c.paid_amount.label("paid_before"),
               calendar.c.deadline_at)
        .select_from(P)
        .join(cases, cases.c.case_id == P.c.case_id)
        .join(calendar, and_(calendar.c.tz == cases.c.tz, calendar.c.grace == cases.c.grace,
                             calendar.c.due_on == P.c.due_on))
        .outerjoin(pay, and_(pay.c.account_id == P.c.account_id,
                             pay.c.currency == P.c.currency,
                             pay.c.paid_at >= P.c.recorded_at,
                             pay.c.paid_at < calendar.c.deadline_at))
        .where(_ACTIVE)
        .group_by(P.c.id, P.c.case_id, P.c.visit_id, P.c.amount, cases.c.factor,
                  P.c.paid_amount, calendar.c.deadline_at)
    ).subquery("sums")
    # rules.decide, set-based (tests/integration/promises/test_rules_agree.py checks they agree);
    # the threshold is rules.threshold and the paid sum rules.paid_towards.
    s = sums.c
    decision = case((s.paid >= s.threshold, rules.KEPT),
                    (s.deadline_at <= literal(now, UTCDateTime()), rules.BROKEN),
                    (s.paid != s.paid_before, rules.PROGRESS))
    columns = ["promise_id", "case_id", "visit_id", "threshold", "paid", "paid_before",
               "deadline_at"]
    session.connection().execute(insert(judged).from_select(
        [*columns, "decision"], select(*[s[c] for c in columns], decision)))


_STATUS = {rules.KEPT: PromiseStatus.KEPT, rules.BROKEN: PromiseStatus.BROKEN}


def _decide(session: Session, now: datetime) -> dict[str, int]:
    """One UPDATE … FROM the judged promises (a hash join, no id lists through Python), the
    change-feed notes selected from the same table, one INSERT … SELECT of follow-ups."""
    conn = session.connection()
    j = judged.c
    decided = j.decision.in_(tuple(_STATUS))
    at = literal(now, UTCDateTime())
    conn.execute(
        update(P).where(P.c.id == j.promise_id, j.decision.is_not(None), _ACTIVE)
        .values(paid_amount=j.paid,
                status=case(*[(j.decision == d, s) for d, s in _STATUS.items()],
                            else_=P.c.status),
                status_changed_at=case((decided, at), else_=P.c.status_changed_at)))
    counted = dict(session.execute(
        select(j.decision, func.count()).where(j.decision.is_not(None))
        .group_by(j.decision)).all())
    follow_ups = _broken_follow_ups(session, j.decision == rules.BROKEN, now)
    record_from_select(session, "payment_promises",
                       "SELECT promise_id FROM tmp_ptp_judged WHERE decision IS NOT NULL")
    return {"kept": counted.get(rules.KEPT, 0), "broken": counted.get(rules.BROKEN, 0),
            "paid_progress": counted.get(rules.PROGRESS, 0), "follow_ups": follow_ups}


def _broken_follow_ups(session: Session, broken_when, now: datetime) -> int:
    # Pending until the compliance rules time it (server/followups/backlog.py).
    j = judged.c
    kind = case((j.visit_id.is_(None), FollowUpKind.CALL), else_=FollowUpKind.REVISIT)
    source = select(
        new_id_sql(session), j.case_id, j.visit_id, kind, literal(now, UTCDateTime()),
        literal("payment promise broken"), literal(PENDING), literal("broken:") + j.promise_id,
        literal(now, UTCDateTime()), literal(now, UTCDateTime()),
    ).where(broken_when)
    columns = ["id", "case_id", "visit_id", "kind", "due_at", "reason", "status", "dedupe_key",
               "created_at", "updated_at"]
    return insert_ignore(session, FollowUp.__table__, source, columns)
