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
from server.db.feed import record_changes
from server.db.sql import chunks, insert_ignore, new_id_sql
from server.followups.backlog import BUDGET_S, time_pending_follow_ups
from server.followups.pending import BATCH, PENDING
from server.models import (
    Address,
    Case,
    FollowUp,
    FollowUpKind,
    Payment,
    PaymentPromise,
    Placement,
    PromiseStatus,
    utcnow,
)
from server.models.base import UTCDateTime
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
               **_TEMP)

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
    _fill_calendar(session)
    _fill_judged(session)
    counts = _decide(session, now)
    _meta.drop_all(conn, checkfirst=False)
    return {**counts, **time_pending_follow_ups(session, now, default_tz, batch, budget_s,
                                                clock, after_batch)}


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


def _fill_judged(session: Session) -> None:
    pay = Payment.__table__
    paid = func.coalesce(func.round(func.sum(pay.c.amount), 2), 0)
    source = (
        select(P.c.id, P.c.case_id, P.c.visit_id,
               func.round(P.c.amount * cases.c.factor, 2), paid, P.c.paid_amount,
               calendar.c.deadline_at)
        .select_from(P)
        .join(cases, cases.c.case_id == P.c.case_id)
        .join(calendar, and_(calendar.c.tz == cases.c.tz, calendar.c.grace == cases.c.grace,
                             calendar.c.due_on == P.c.due_on))
        .outerjoin(pay, and_(pay.c.account_id == P.c.account_id,
                             pay.c.currency == P.c.currency,
                             pay.c.voided_at.is_(None), pay.c.review_flag.is_(None),
                             pay.c.paid_at >= P.c.recorded_at,
                             pay.c.paid_at < calendar.c.deadline_at))
        .where(_ACTIVE)
        .group_by(P.c.id, P.c.case_id, P.c.visit_id, P.c.amount, cases.c.factor,
                  P.c.paid_amount, calendar.c.deadline_at)
    )
    session.connection().execute(insert(judged).from_select(
        ["promise_id", "case_id", "visit_id", "threshold", "paid", "paid_before", "deadline_at"],
        source))


def _decide(session: Session, now: datetime) -> dict[str, int]:
    # rules.decide, set-based (tests/integration/promises/test_rules_agree.py checks they agree);
    # the threshold is rules.threshold and the paid sum rules.paid_towards (_fill_judged).
    conn = session.connection()
    j = judged.c
    kept_when = j.paid >= j.threshold
    broken_when = and_(j.paid < j.threshold, j.deadline_at <= now)
    progress_when = and_(j.paid < j.threshold, j.deadline_at > now, j.paid != j.paid_before)
    ids = {name: list(session.scalars(select(j.promise_id).where(cond)))
           for name, cond in (("kept", kept_when), ("broken", broken_when),
                              ("progress", progress_when))}
    paid = select(j.paid).where(j.promise_id == P.c.id).scalar_subquery()
    for name, status in (("kept", PromiseStatus.KEPT), ("broken", PromiseStatus.BROKEN),
                         ("progress", PromiseStatus.ACTIVE)):
        decided = {"status": status, "status_changed_at": now} if name != "progress" else {}
        for batch in chunks(ids[name]):
            conn.execute(update(P).where(P.c.id.in_(batch), _ACTIVE)
                         .values(paid_amount=paid, **decided))
    follow_ups = _broken_follow_ups(session, broken_when, now)
    record_changes(session, "payment_promises", [i for group in ids.values() for i in group])
    return {"kept": len(ids["kept"]), "broken": len(ids["broken"]),
            "paid_progress": len(ids["progress"]), "follow_ups": follow_ups}


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
