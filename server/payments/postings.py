"""Ingest lender postings: idempotent by (lender, transaction id), set-based, API and file alike.

A replay (same id, same content) changes nothing; the same id with other content is kept in
`posting_conflicts` for a person; a payment for an account Doorstep does not know is stored
with no account (listed as unmatched), never dropped. Reversals point at the payment they undo.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.db.sql import chunks, dialect
from server.models import Account, LenderPosting, PostingConflict, PostingKind
from server.models.base import UTCDateTime
from server.payments import effects, matching, staging
from server.payments.rows import PostingRow
from server.payments.staging import CONFLICT, ERROR, NEW, REPLAY

LP, T = LenderPosting.__table__, staging.batch.c
A = Account.__table__


@dataclass
class Ingest:
    """What one batch did: counts, each bad row's errors, the conflicting transaction ids."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("applied", "unmatched", "replayed", "conflicts", "rejected"), 0))
    rejected: list[PostingRow] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    outcome: dict[str, str] = field(default_factory=dict)  # txn id -> new/replay/conflict/error
    settled_accounts: list[str] = field(default_factory=list)
    rows: int = 0


@dataclass(frozen=True)
class Origin:
    lender_id: str
    source: str  # api or file
    client_id: str | None
    now: datetime
    today: date


def ingest(session: Session, origin: Origin, batches: Iterable[list[PostingRow]],
           result: Ingest) -> Ingest:
    """Apply batches of checked rows (bad ones are only counted and reported); the accounts'
    balances are updated once at the end, whatever the number of batches."""
    staging.create(session, totals=True)
    for rows in batches:
        _ingest_batch(session, origin, rows, result)
    result.settled_accounts += effects.apply(session, origin.today)
    staging.drop(session, totals=True)
    return result


def _ingest_batch(session: Session, origin: Origin, rows: list[PostingRow],
                  result: Ingest) -> None:
    result.rows += len(rows)
    good, conflicting = _first_of_each(rows, result)
    size = len(good)
    good, replayed = _new_only(session, origin, good, conflicting, result)
    if not good:
        _keep_conflicts(session, origin, [], conflicting, result)
        _show_replays(result, size, replayed)
        return
    staging.create(session)
    ids = staging.ordered_ids(len(good))
    staging.fill_and_match(session, origin.lender_id, [
        (ids[i], r.txn_id, r.kind, r.account_ref, r.amount, r.currency, r.paid_at, r.channel,
         r.receipt_no, r.reverses_txn_id, r.reason or None, r.digest)
        for i, r in enumerate(good)])
    _insert_payments(session, origin)
    _link_reversals(session, origin, {r.txn_id: r for r in good}, result)
    _insert_reversals(session, origin)
    _keep_conflicts(session, origin, good, conflicting, result)
    effects.collect(session)
    matching.match_new_postings(session)
    matching.review_reversed_keeps(session, origin.now)
    _count(session, result, size)
    _show_replays(result, size, replayed)
    staging.drop(session)


def _first_of_each(rows: list[PostingRow],
                   result: Ingest) -> tuple[list[PostingRow], list[PostingRow]]:
    """Bad rows are rejected; a transaction id seen again in the batch is a replay or conflict."""
    seen: dict[str, PostingRow] = {}
    conflicting: list[PostingRow] = []
    reversed_once: set[str] = set()
    for row in rows:
        if not row.errors and row.kind == PostingKind.REVERSAL:
            if row.reverses_txn_id in reversed_once and row.txn_id not in seen:
                row.errors["reverses_txn_id"] = ["this payment is reversed earlier in the batch"]
            reversed_once.add(row.reverses_txn_id)
        if row.errors:
            _reject(result, row)
        elif row.txn_id not in seen:
            seen[row.txn_id] = row
        elif seen[row.txn_id].digest == row.digest:
            result.counts["replayed"] += 1
        else:
            conflicting.append(row)
    return list(seen.values()), conflicting


def _reject(result: Ingest, row: PostingRow) -> None:
    result.counts["rejected"] += 1
    result.outcome.setdefault(row.txn_id, ERROR)
    result.rejected.append(row)


def _new_only(session: Session, origin: Origin, good: list[PostingRow],
              conflicting: list[PostingRow],
              result: Ingest) -> tuple[list[PostingRow], list[str]]:
    """Classify the batch against what is stored before anything is staged: a replay is only
    counted, a conflict joins `conflicting`; only new rows go on (a replayed file then costs
    one lookup per batch: no staging, no account lookup). A transaction another request
    stores meanwhile is still caught by the insert (ON CONFLICT, `_insert`). Returns the new
    rows and the replayed transaction ids."""
    stored = _stored_digests(session, origin, [r.txn_id for r in good])
    if not stored:
        return good, []
    new, replayed, clashing = [], [], []
    for row in good:
        known = stored.get(row.txn_id)
        if known is None:
            new.append(row)
        elif known == row.digest:
            replayed.append(row.txn_id)
        else:
            clashing.append(row)
    result.counts["replayed"] += len(replayed)
    conflicting[:0] = clashing  # the stored ones' conflicts first, as the staged order was
    return new, replayed


def _show_replays(result: Ingest, size: int, replayed: list[str]) -> None:
    if replayed and size <= OUTCOMES_SHOWN:
        result.outcome.update(dict.fromkeys(replayed, REPLAY))


def _stored_digests(session: Session, origin: Origin, txn_ids: list[str]) -> dict[str, str]:
    """The stored digest by transaction id, for those of these ids the lender already sent."""
    if dialect(session) == "postgresql":
        # One JSON text parameter (an array of 50,000 ids costs psycopg ~0.5 s to quote),
        # joined (the ids are distinct) rather than IN (…), whose de-duplication hashes them:
        # the probes then follow the file's order, and so do the stored rows they fetch.
        return dict(session.connection().exec_driver_sql(
            "SELECT p.txn_id, p.digest FROM json_array_elements_text(%s::json) AS j(txn_id)"
            " JOIN lender_postings p ON p.lender_id = %s AND p.txn_id = j.txn_id",
            (json.dumps(txn_ids), origin.lender_id)).all())
    return {txn: stored for part in chunks(txn_ids) for txn, stored in session.execute(
        select(LP.c.txn_id, LP.c.digest).where(LP.c.lender_id == origin.lender_id,
                                               LP.c.txn_id.in_(part))).all()}


_POSTING_COLUMNS = ["id", "lender_id", "txn_id", "kind", "account_ref", "account_id", "amount",
                    "currency", "paid_at", "channel", "receipt_no", "reverses_txn_id",
                    "reversal_reason", "digest", "source", "client_id", "received_at",
                    "due_since_before"]


def _constants(origin: Origin) -> dict:
    return {"lender_id": literal(origin.lender_id), "source": literal(origin.source),
            "client_id": literal(origin.client_id),
            "received_at": literal(origin.now, UTCDateTime())}


def _insert_payments(session: Session, origin: Origin) -> None:
    """Payments, with their account when the lender's account id is known (else unmatched)."""
    c = _constants(origin)
    source = (
        select(T.id, c["lender_id"], T.txn_id, T.kind, T.account_ref, T.account_id, T.amount,
               T.currency, T.paid_at, T.channel, T.receipt_no, T.reverses_txn_id, T.reason,
               T.digest, c["source"], c["client_id"], c["received_at"], T.due_since)
        .where(T.outcome == NEW, T.kind == PostingKind.PAYMENT))
    _insert(session, origin, source, PostingKind.PAYMENT)


def _insert(session: Session, origin: Origin, source, kind: str) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a transaction id another request stored meanwhile (a
    concurrent retry) is skipped here and classified against what that request stored."""
    expected = session.scalar(select(func.count()).where(T.outcome == NEW, T.kind == kind))
    stmt = (pg_insert if dialect(session) == "postgresql" else sqlite_insert)(LP).from_select(
        _POSTING_COLUMNS, source).on_conflict_do_nothing(index_elements=["lender_id", "txn_id"])
    if dialect(session) == "postgresql":
        inserted = session.execute(stmt).rowcount
    else:  # SQLite's rowcount for INSERT … SELECT is not reliable through the driver
        inserted = len(session.execute(stmt.returning(LP.c.id)).all())
    if inserted < expected:
        session.execute(update(staging.batch)
                        .where(T.outcome == NEW, T.kind == kind,
                               LP.c.lender_id == origin.lender_id, LP.c.txn_id == T.txn_id,
                               LP.c.id != T.id)
                        .values(outcome=case((LP.c.digest == T.digest, REPLAY),
                                             else_=CONFLICT)))


def _link_reversals(session: Session, origin: Origin, by_txn: dict, result: Ingest) -> None:
    """Each new reversal finds the payment it undoes; unknown, reversed or larger: rejected."""
    original = select(LP.c.id).where(LP.c.lender_id == origin.lender_id,
                                     LP.c.txn_id == T.reverses_txn_id,
                                     LP.c.kind == PostingKind.PAYMENT).scalar_subquery()
    new_reversal = and_(T.outcome == NEW, T.kind == PostingKind.REVERSAL)
    account = select(LP.c.account_id).where(LP.c.lender_id == origin.lender_id,
                                            LP.c.txn_id == T.reverses_txn_id,
                                            LP.c.kind == PostingKind.PAYMENT).scalar_subquery()
    session.execute(update(staging.batch).where(new_reversal)
                    .values(original_id=original, account_id=account))
    o = LP.alias("orig")
    bad = session.execute(
        select(T.txn_id, o.c.id, o.c.reversed_at, o.c.amount, T.amount)
        .select_from(staging.batch).outerjoin(o, o.c.id == T.original_id)
        .where(new_reversal, (o.c.id.is_(None)) | o.c.reversed_at.is_not(None)
               | (T.amount > o.c.amount))).all()
    for txn_id, found, reversed_at, paid, _ in bad:
        why = ("no payment with this transaction id" if found is None else
               "that payment is already reversed" if reversed_at is not None else
               f"more than the payment it reverses ({paid})")
        row = by_txn[txn_id]
        row.errors[("reverses_txn_id" if found is None or reversed_at else "amount")] = [why]
        _reject(result, row)
    if bad:
        session.execute(update(staging.batch).where(T.txn_id.in_([b[0] for b in bad]))
                        .values(outcome=ERROR))


def _insert_reversals(session: Session, origin: Origin) -> None:
    c = _constants(origin)
    o = LP.alias("orig")
    source = (
        select(T.id, c["lender_id"], T.txn_id, T.kind, o.c.account_ref, o.c.account_id,
               T.amount, T.currency, T.paid_at, T.channel, T.receipt_no, T.reverses_txn_id,
               T.reason, T.digest, c["source"], c["client_id"], c["received_at"],
               literal(None, LP.c.due_since_before.type))
        .select_from(staging.batch).join(o, o.c.id == T.original_id)
        .where(T.outcome == NEW, T.kind == PostingKind.REVERSAL))
    _insert(session, origin, source, PostingKind.REVERSAL)
    undone = select(T.original_id).where(T.outcome == NEW, T.kind == PostingKind.REVERSAL)
    session.execute(update(LP).where(LP.c.id.in_(undone)).values(reversed_at=origin.now)
                    .execution_options(synchronize_session=False))


def _keep_conflicts(session: Session, origin: Origin, good: list[PostingRow],
                    conflicting: list[PostingRow], result: Ingest) -> None:
    """The conflicting bodies, kept for a person (few: read back and written as rows)."""
    if good:
        txns = set(session.scalars(select(T.txn_id).where(T.outcome == CONFLICT)))
        conflicting = [r for r in good if r.txn_id in txns] + conflicting
    for row in conflicting:
        result.conflicts.append(row.txn_id)
        result.outcome[row.txn_id] = CONFLICT
        session.add(PostingConflict(lender_id=origin.lender_id, txn_id=row.txn_id,
                                    body=row.body, source=origin.source,
                                    client_id=origin.client_id, received_at=origin.now))
    result.counts["conflicts"] += len(conflicting)
    session.flush()


OUTCOMES_SHOWN = 1000  # a batch this small (an API call) reports each row's outcome


def _count(session: Session, result: Ingest, size: int) -> None:
    totals = session.execute(
        select(T.outcome, func.count(), func.count(T.account_id))
        .where(T.outcome.in_((NEW, REPLAY))).group_by(T.outcome)).all()
    for outcome, count, matched in totals:
        if outcome == NEW:
            result.counts["applied"] += matched
            result.counts["unmatched"] += count - matched
        else:
            result.counts["replayed"] += count
    if size <= OUTCOMES_SHOWN:
        result.outcome.update(session.execute(
            select(T.txn_id, T.outcome).where(T.outcome.in_((NEW, REPLAY)))).all())
