"""What pushed facts imply for the server, worked out after the push commits.

A push stores its facts and completes visits in its own transaction, and queues one
`sync_fact_effects` row naming the facts. What derives from them for the server's own use
happens here, in a later transaction: the contact-attempt ledger that frequency caps count
(server/facts/ledger.py), field evidence on addresses, and judging the facts (COMPLIANCE.md's
after-the-fact checks: late check-ins, two-person visits, recordings…):

- the pushing worker drains the queue right after it has sent the push's answer (the API hooks
  `drain` to the response), so flags appear within a second of the push;
- the `fact_effects` scheduled job sweeps whatever a crashed or busy worker left behind.

The device never waits for the judgement, and a failing check can never make a push fail (the
facts are already safe). Workers take queue rows with SKIP LOCKED on PostgreSQL, so several
drain side by side; both steps are idempotent (violations carry dedupe keys, address states
only move forward), so a row processed twice after a crash does no harm. A row whose effects
keep failing is retried `MAX_ATTEMPTS` times, then left with its error for an operator. Each
effect runs on its own and a failing one is retried fact by fact, so one bad fact is flagged
alone (queued with its error) while its visit's other effects are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

import psycopg
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server.addresses.field import apply_field_evidence
from server.compliance.synced import check_synced_facts
from server.db.bulk import is_postgres
from server.facts.ledger import ledger_outcomes
from server.models import FactEffect, utcnow
from server.sync.tables import JUDGED, with_effect

log = logging.getLogger("doorstep.sync.effects")

EFFECT_TABLES = with_effect(JUDGED)  # declared per table on the registry
MAX_ATTEMPTS = 5
MAX_FACTS_PER_ROUND = 5000  # one round's merged ids stay well inside SQLite's parameter limit
QUEUE = FactEffect.__table__
DRAIN_LOCK = 0x6566_6665_6374_73  # "effects": the advisory lock one drain holds at a time


def enqueue(session: Session, applied_ids: Mapping[str, Sequence[str]]) -> None:
    """Queue the effects of newly applied facts ({table: [ids]}); no row when none matter."""
    facts = {t: list(applied_ids[t]) for t in EFFECT_TABLES if applied_ids.get(t)}
    if facts:
        session.execute(insert(QUEUE).values(facts=facts, created_at=utcnow(), attempts=0))


def _ledger(session: Session, facts: Mapping[str, Sequence[str]]) -> int:
    ledger_outcomes(session, facts.get("visit_outcomes", ()))  # the checks count attempts
    return 0


def _field(session: Session, facts: Mapping[str, Sequence[str]]) -> int:
    if facts.keys() & {"check_ins", "visit_outcomes", "address_reports"}:
        apply_field_evidence(session, check_in_ids=facts.get("check_ins", ()),
                             outcome_ids=facts.get("visit_outcomes", ()),
                             report_ids=facts.get("address_reports", ()))
    return 0


def _compliance(session: Session, facts: Mapping[str, Sequence[str]]) -> int:
    return check_synced_facts(session, facts)


# Each effect runs on its own: a fact whose compliance check fails still gets its ledger entry
# and address evidence, and the other facts of its visit and push all their effects.
STEPS = (("ledger", _ledger), ("field_evidence", _field), ("compliance", _compliance))


def apply_effects(session: Session, facts: Mapping[str, Sequence[str]]) -> int:
    """Ledger, field evidence and compliance flags of these facts; returns new violations."""
    return sum(step(session, facts) for _, step in STEPS)


def run_fact_effects(session: Session, now: datetime | None = None,
                     rounds: int = 20) -> dict[str, int]:
    """Work off queued effects, up to `rounds` merged rounds; the caller commits.

    Each round merges the oldest queue rows (up to MAX_FACTS_PER_ROUND facts) into one set-based
    pass. When a round fails, its rows are retried one by one so one poisoned push cannot hold
    back the others; a row that fails gets its attempt counted and its error kept.
    """
    counts = {"pushes": 0, "facts": 0, "violations": 0, "failed": 0, "busy": 0}
    if not _one_drain_at_a_time(session):
        counts["busy"] = 1  # another process is draining; it takes these rows too
        return counts
    failed: set[int] = set()  # retried by a later run, not again in this one
    for _ in range(rounds):
        batch = _take(session, failed)
        if not batch:
            break
        failed |= _round(session, batch, counts)
    counts["waiting"] = session.scalar(
        select(func.count()).select_from(QUEUE).where(QUEUE.c.attempts < MAX_ATTEMPTS)) or 0
    return counts


def _one_drain_at_a_time(session: Session) -> bool:
    """Take the drain's lock (PostgreSQL, to this transaction's end) or learn another has it.

    Drains side by side (a thread per worker, the sweep) judged the same addresses and
    violations in opposite orders across rounds: at 200 collectors PostgreSQL broke deadlocks
    every second, each costing its deadlock_timeout, and pushes waited 20-90 s behind the
    drains' locks (D-one-drain). One drain at a time never deadlocks with another; the work is
    set-based, so one keeps up (`bench.load`)."""
    if not is_postgres(session):
        return True  # SQLite: one writer at a time anyway
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"),
                               {"k": DRAIN_LOCK}))


def _take(session: Session, skip: set[int]) -> list[FactEffect]:
    stmt = (select(FactEffect).where(FactEffect.attempts < MAX_ATTEMPTS)
            .order_by(FactEffect.id).limit(100))
    if skip:
        stmt = stmt.where(FactEffect.id.not_in(sorted(skip)))
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    batch, size = [], 0
    for item in session.scalars(stmt):
        n = sum(len(ids) for ids in item.facts.values())
        if batch and size + n > MAX_FACTS_PER_ROUND:
            break
        batch.append(item)
        size += n
    return batch


def _merged(batch: Sequence[FactEffect]) -> dict[str, list[str]]:
    merged: dict[str, set[str]] = {}
    for item in batch:
        for table, ids in item.facts.items():
            merged.setdefault(table, set()).update(ids)
    return {table: sorted(ids) for table, ids in merged.items()}


def _transient(exc: Exception) -> bool:
    """A deadlock or serialisation failure PostgreSQL broke by failing this statement, wrapped
    by SQLAlchemy or raised by the driver's own cursor (the bulk writes' COPY path)."""
    error = exc.orig if isinstance(exc, DBAPIError) else \
        exc if isinstance(exc, psycopg.Error) else None
    return getattr(error, "sqlstate", None) in ("40P01", "40001")


def _log_failure(exc: Exception, what: str, then: str) -> None:
    """Another drain holding the same rows is no fault (a warning); anything else an error."""
    if _transient(exc):
        log.warning("%s met a concurrent writer (%s); %s", what, type(exc.orig).__name__, then)
    else:
        log.exception("%s failed; %s", what, then)


def _round(session: Session, batch: list[FactEffect], counts: dict[str, int]) -> set[int]:
    """One merged pass per effect; an effect that fails is retried fact by fact, and each fact
    whose effect still fails is queued alone with its error (flagged, retried by later runs).
    Returns the ids of those new queue rows."""
    merged = _merged(batch)
    failures: dict[tuple[str, str], str] = {}
    for name, step in STEPS:
        try:
            with session.begin_nested():
                counts["violations"] += step(session, merged)
            continue
        except Exception as exc:
            _log_failure(exc, f"{name} of {len(batch)} pushes", "retrying fact by fact")
        for table, ids in merged.items():
            for fact_id in ids:
                try:
                    with session.begin_nested():
                        counts["violations"] += step(session, {table: [fact_id]})
                except Exception as exc:  # flagged with its error; retried by the next run
                    _log_failure(exc, f"{name} of {table} {fact_id}", "queued again")
                    failures.setdefault((table, fact_id), f"{name}: {type(exc).__name__}: "
                                                          f"{exc}"[:500])
    session.execute(delete(QUEUE).where(QUEUE.c.id.in_([item.id for item in batch])))
    failed_rows = {item.id for item in batch if any(
        (table, i) in failures for table, ids in item.facts.items() for i in ids)}
    counts["pushes"] += len(batch) - len(failed_rows)
    counts["facts"] += sum(len(ids) for ids in merged.values()) - len(failures)
    counts["failed"] += len(failures)
    return _requeue(session, batch, failures)


def _requeue(session: Session, batch: list[FactEffect], failures: dict) -> set[int]:
    """One queue row per failed fact, its attempts counted on from the row it came from."""
    if not failures:
        return set()
    tried = {}
    for item in batch:
        for table, ids in item.facts.items():
            for fact_id in ids:
                tried[table, fact_id] = max(tried.get((table, fact_id), 0), item.attempts)
    rows = [{"facts": {table: [fact_id]}, "created_at": utcnow(),
             "attempts": tried[table, fact_id] + 1, "last_error": error}
            for (table, fact_id), error in sorted(failures.items())]
    return set(session.scalars(insert(QUEUE).returning(QUEUE.c.id), rows))
