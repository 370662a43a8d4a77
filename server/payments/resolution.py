"""A person resolves what the ingest kept for them: unmatched postings and 409 conflicts.

- Match an unmatched posting to one of the lender's accounts: it then takes effect like a
  posting that arrived with that account (balance, overdue, dpd and bucket, the field receipt it
  duplicates, the promise monitor, settlement).
- Dismiss an unmatched posting with a reason (e.g. not a collections account): kept, listed no
  more.
- Accept a conflict's body as a correction of the stored payment: the old content's effect is
  undone (as a reversal would: a promise it kept stays kept and gets a review follow-up) and the
  new content applied; or reject the conflict with a reason. The stored transaction keeps its
  id, so the lender's replays of the corrected content are replays from then on.

Each step runs through the ingest's own staging tables and effects (server/payments/effects.py),
so a resolved posting does exactly what an ingested one does. Everything is audited.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.clients import actor_of
from server.cases.settlement import settle_paid_off
from server.errors import Conflict, InvalidInput, NotFound
from server.models import Account, LenderPosting, PostingConflict, PostingKind, Role, new_id
from server.payments import effects, matching, staging
from server.payments import rows as posting_rows
from server.payments.staging import NEW

MATCHED, DISMISSED, ACCEPTED, REJECTED = "matched", "dismissed", "accepted", "rejected"


def _own(stmt, model, principal):
    if principal.role == Role.ADMIN:
        return stmt
    return stmt.where(model.lender_id == principal.agency_id)


def _unmatched(session: Session, principal, posting_id: str) -> LenderPosting:
    posting = session.scalar(_own(select(LenderPosting).where(LenderPosting.id == posting_id),
                                  LenderPosting, principal).with_for_update())
    if posting is None:
        raise NotFound(f"no posting {posting_id!r}")
    if posting.account_id is not None or posting.resolved_at is not None:
        raise Conflict("this posting is not waiting for a person",
                       {"posting_id": ["already matched or dismissed"]})
    return posting


def _account(session: Session, lender_id: str, account_ref: str, currency: str) -> Account:
    account = session.scalar(select(Account).where(Account.lender_id == lender_id,
                                                   Account.external_id == account_ref))
    if account is None:
        raise InvalidInput("no such account of this lender",
                           {"account_id": ["not an account of this lender"]})
    if account.currency != currency:
        raise InvalidInput("the account is in another currency",
                           {"account_id": [f"the account is in {account.currency}, the posting "
                                           f"in {currency}"]})
    return account


def _stage(posting: LenderPosting, kind: str, account_id: str, due_since, original_id=None,
           reason=None) -> tuple:
    return (posting.id if original_id is None else new_id(), 0, posting.txn_id, kind,
            posting.account_ref, posting.amount, posting.currency, posting.paid_at,
            posting.channel, posting.receipt_no, None, reason, posting.digest, original_id, NEW,
            account_id, due_since)


def _apply_new(session: Session, posting: LenderPosting, account: Account) -> None:
    """Add the posting (already carrying its account) to the totals, as the ingest does, and
    match it to the field receipt it duplicates."""
    staging.create(session)
    staging.fill(session, [_stage(posting, PostingKind.PAYMENT, account.id,
                                  posting.due_since_before)])
    effects.collect(session)
    matching.match_new_postings(session)
    staging.drop(session)


def _undo(session: Session, stored: LenderPosting, now: datetime) -> None:
    """Take the stored content's amount back off its account, as a reversal does; a promise
    it kept stays kept and gets a review follow-up."""
    staging.create(session)
    staging.fill(session, [_stage(stored, PostingKind.REVERSAL, stored.account_id, None,
                                  original_id=stored.id, reason="correction")])
    effects.collect(session)
    matching.review_reversed_keeps(session, now)
    staging.drop(session)


def _finish(session: Session, now: datetime, zone: ZoneInfo, actor: str) -> list[str]:
    """One update of the accounts touched; the cases now owing nothing are settled."""
    settled = effects.apply(session, now.astimezone(zone).date())
    staging.drop(session, totals=True)
    return settle_paid_off(session, settled, now, actor) if settled else []


def match_posting(session: Session, principal, posting_id: str, body: dict, now: datetime,
                  zone: ZoneInfo) -> LenderPosting:
    """An unmatched posting gets the account a person found for it, and takes effect."""
    posting = _unmatched(session, principal, posting_id)
    account = _account(session, posting.lender_id, body["account_id"], posting.currency)
    actor = actor_of(principal)
    posting.account_id, posting.due_since_before = account.id, account.due_since
    posting.resolved_at, posting.resolved_by = now, principal.user_id
    posting.resolution, posting.resolution_note = MATCHED, body.get("note")
    # Its reversal, if the lender already sent one, follows it to the account.
    session.execute(update(LenderPosting)
                    .where(LenderPosting.lender_id == posting.lender_id,
                           LenderPosting.reverses_txn_id == posting.txn_id,
                           LenderPosting.kind == PostingKind.REVERSAL)
                    .values(account_id=account.id)
                    .execution_options(synchronize_session=False))
    session.flush()
    staging.create(session, totals=True)
    if posting.reversed_at is None:  # a reversed payment has no effect left to take
        _apply_new(session, posting, account)
    settled = _finish(session, now, zone, actor)
    audit.record(session, actor, "posting.match", "lender_posting", posting.id,
                 {"txn_id": posting.txn_id, "account_id": account.id, "note": body.get("note"),
                  "settled_cases": len(settled)})
    session.refresh(posting)
    return posting


def dismiss_posting(session: Session, principal, posting_id: str, reason: str,
                    now: datetime) -> LenderPosting:
    """An unmatched posting a person has dealt with otherwise: kept, with the reason."""
    posting = _unmatched(session, principal, posting_id)
    posting.resolved_at, posting.resolved_by = now, principal.user_id
    posting.resolution, posting.resolution_note = DISMISSED, reason
    audit.record(session, actor_of(principal), "posting.dismiss", "lender_posting", posting.id,
                 {"txn_id": posting.txn_id, "reason": reason})
    session.flush()
    return posting


def _open_conflict(session: Session, principal, conflict_id: str) -> PostingConflict:
    conflict = session.scalar(_own(select(PostingConflict)
                                   .where(PostingConflict.id == conflict_id),
                                   PostingConflict, principal).with_for_update())
    if conflict is None:
        raise NotFound(f"no posting conflict {conflict_id!r}")
    if conflict.resolved_at is not None:
        raise Conflict("this conflict is already resolved",
                       {"conflict_id": [f"already {conflict.resolution or 'resolved'}"]})
    return conflict


def _close(conflict: PostingConflict, principal, resolution: str, note, now) -> None:
    conflict.resolved_at, conflict.resolved_by = now, principal.user_id
    conflict.resolution, conflict.resolution_note = resolution, note


def reject_conflict(session: Session, principal, conflict_id: str, reason: str,
                    now: datetime) -> PostingConflict:
    """The stored posting stands; the other body is kept, marked rejected."""
    conflict = _open_conflict(session, principal, conflict_id)
    _close(conflict, principal, REJECTED, reason, now)
    audit.record(session, actor_of(principal), "posting.conflict_reject", "posting_conflict",
                 conflict.id, {"txn_id": conflict.txn_id, "reason": reason})
    session.flush()
    return conflict


def accept_conflict(session: Session, principal, conflict_id: str, note: str | None,
                    now: datetime, zone: ZoneInfo) -> tuple[PostingConflict, LenderPosting]:
    """The conflict's body becomes the stored payment's content (a correction)."""
    conflict = _open_conflict(session, principal, conflict_id)
    stored = session.scalar(select(LenderPosting).where(
        LenderPosting.lender_id == conflict.lender_id, LenderPosting.txn_id == conflict.txn_id)
        .with_for_update())
    if stored is None:  # cannot happen: a conflict is against a stored transaction
        raise NotFound(f"no posting {conflict.txn_id!r}")
    row = posting_rows.check(1, dict(conflict.body or {}), zone)
    if row.errors:
        raise InvalidInput("the kept body is not a valid posting", row.errors)
    if stored.kind != PostingKind.PAYMENT or row.kind != PostingKind.PAYMENT:
        raise InvalidInput("only a payment can be corrected by a payment; the lender posts a "
                           "reversal instead", {"kind": ["both must be payments"]})
    if stored.reversed_at is not None:
        raise Conflict("the stored payment is reversed", {"conflict_id": ["payment reversed"]})
    account = _account(session, stored.lender_id, row.account_ref, row.currency) \
        if row.account_ref else None
    if account is None:
        raise InvalidInput("the corrected posting names no account",
                           {"account_id": ["required for a payment"]})
    before = {"account_ref": stored.account_ref, "amount": str(stored.amount),
              "paid_at": stored.paid_at.isoformat(), "digest": stored.digest}
    applied = stored.account_id is not None
    staging.create(session, totals=True)
    if applied:  # the old content's effect first (it reads the stored row as it was)
        _undo(session, stored, now)
    due_before = (stored.due_since_before if applied and stored.account_id == account.id
                  else account.due_since)
    stored.account_ref, stored.account_id, stored.amount = row.account_ref, account.id, row.amount
    stored.currency, stored.paid_at, stored.channel = row.currency, row.paid_at, row.channel
    stored.receipt_no, stored.digest = row.receipt_no, row.digest
    stored.due_since_before, stored.matched_payment_id = due_before, None
    session.flush()
    _apply_new(session, stored, account)
    settled = _finish(session, now, zone, actor_of(principal))
    _close(conflict, principal, ACCEPTED, note, now)
    audit.record(session, actor_of(principal), "posting.conflict_accept", "posting_conflict",
                 conflict.id, {"txn_id": conflict.txn_id, "posting_id": stored.id,
                               "before": before, "note": note, "settled_cases": len(settled)})
    session.flush()
    session.refresh(stored)
    return conflict, stored
