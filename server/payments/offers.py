"""Offers at the door: recorded as made, decided by a person whose approval limit covers them.

A collector (or a dispatcher) records a settlement or an instalment offer on a case: the
schedule of (due date, amount) lines, its total and the discount against the account's balance
at that moment. A dispatcher or admin approves or refuses it; approving needs an approval
limit (per user, else per role; per lender, else for all) that covers the discount (percent
and amount) and the number of instalments, and is never the proposer's own offer. An approved
plan's lines become payment promises the promise monitor judges. Instalment k's promise is
for the amount due by then in total (lines 1..k): the monitor counts all money on the account
since the promise was made, so a cumulative amount is what "instalment k kept" means there.
Everything is audited.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import Session

from server.access import assigned_to, case_visible
from server.audit import service as audit
from server.db.feed import record_changes
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.models import (
    Account,
    Agency,
    AgencyKind,
    ApprovalLimit,
    Case,
    OfferKind,
    OfferStatus,
    PaymentOffer,
    PaymentPromise,
    PromiseStatus,
    Role,
    User,
    Visit,
    new_id,
)

MAX_LINES = 60
APPROVERS = (Role.DISPATCHER, Role.ADMIN)


def _case(session: Session, caller, case_id: str) -> Case:
    stmt = select(Case).where(Case.id == case_id, case_visible(caller))
    if caller.role == Role.COLLECTOR:  # a collector offers only on a case they visit
        stmt = stmt.where(exists().where(Visit.case_id == Case.id, assigned_to(caller.user_id)))
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    return case


def _account(session: Session, case: Case, account_id: str | None) -> Account:
    accounts = list(session.scalars(select(Account).where(Account.case_id == case.id)
                                    .order_by(Account.id)))
    if account_id is None and len(accounts) == 1:
        return accounts[0]
    for account in accounts:
        if account.id == account_id:
            return account
    raise InvalidInput("name one account of this case",
                       {"account_id": ["not an account of this case" if account_id
                                       else "the case has several accounts: name one"]})


def _check_schedule(kind: str, lines: list[dict], today: date) -> dict:
    errors: dict[str, list[str]] = {}
    dues = [line["due_on"] for line in lines]
    if any(d < today for d in dues):
        errors.setdefault("schedule", []).append(f"a due date before today ({today})")
    if any(b <= a for a, b in itertools.pairwise(dues)):
        errors.setdefault("schedule", []).append("due dates must be in order, one per day")
    if kind == OfferKind.INSTALMENTS and len(lines) < 2:
        errors.setdefault("schedule", []).append("an instalment plan has at least 2 lines")
    return errors


def propose_offer(session: Session, caller, case_id: str, body: dict,
                  now: datetime, today: date, origin: dict | None = None) -> PaymentOffer:
    """Record a pending offer; `origin` (the phone's fact id and device) goes in the audit."""
    case = _case(session, caller, case_id)
    account = _account(session, case, body.get("account_id"))
    lines = sorted(body["schedule"], key=lambda line: line["due_on"])
    errors = _check_schedule(body["kind"], lines, today)
    total = sum((line["amount"] for line in lines), Decimal("0"))
    if total > account.outstanding:
        errors.setdefault("schedule", []).append(
            f"the total {total} is more than the balance {account.outstanding}")
    visit_id = body.get("visit_id")
    if visit_id and session.scalar(
            select(Visit.case_id).where(Visit.id == visit_id)) != case.id:
        errors["visit_id"] = ["not a visit of this case"]
    if errors:
        raise InvalidInput("the offer is not valid", errors)
    offer = PaymentOffer(
        id=new_id(), case_id=case.id, account_id=account.id, visit_id=visit_id,
        lender_id=case.lender_id, kind=body["kind"], currency=account.currency,
        balance=account.outstanding, amount=total, discount=account.outstanding - total,
        schedule=[{"due_on": line["due_on"].isoformat(), "amount": str(line["amount"])}
                  for line in lines],
        note=body.get("note"), status=OfferStatus.PENDING, proposed_by=caller.user_id,
        proposed_at=now)
    session.add(offer)
    session.flush()
    audit.record(session, caller.user_id, "offer.create", "payment_offer", offer.id,
                 {"case_id": case.id, "kind": offer.kind, "amount": str(total),
                  "discount": str(offer.discount), "lines": len(lines), **(origin or {})})
    return offer


def offers_query(caller, status: str | None) -> Select:
    stmt = (select(PaymentOffer).join(Case, Case.id == PaymentOffer.case_id)
            .where(case_visible(caller)).order_by(PaymentOffer.proposed_at, PaymentOffer.id))
    return stmt.where(PaymentOffer.status == status) if status else stmt


def _pending(session: Session, caller, offer_id: str) -> PaymentOffer:
    offer = session.scalar(select(PaymentOffer).join(Case, Case.id == PaymentOffer.case_id)
                           .where(PaymentOffer.id == offer_id, case_visible(caller))
                           .with_for_update(of=PaymentOffer))
    if offer is None:
        raise NotFound(f"no offer {offer_id!r}")
    if offer.status != OfferStatus.PENDING:
        raise Conflict("this offer is already decided", {"offer_id": [f"already {offer.status}"]})
    return offer


def limit_for(session: Session, caller, lender_id: str) -> ApprovalLimit | None:
    """The caller's own limit wins over their role's; a lender's over the one for all."""
    rows = {(r.subject, r.lender_key): r for r in session.scalars(select(ApprovalLimit).where(
        ApprovalLimit.subject.in_((f"user:{caller.user_id}", f"role:{caller.role}")),
        ApprovalLimit.lender_key.in_((lender_id, "*"))))}
    for key in ((f"user:{caller.user_id}", lender_id), (f"user:{caller.user_id}", "*"),
                (f"role:{caller.role}", lender_id), (f"role:{caller.role}", "*")):
        if key in rows:
            return rows[key]
    return None


def _beyond(offer: PaymentOffer, limit: ApprovalLimit | None) -> dict:
    if limit is None:
        return {"limit": ["you have no approval limit for this lender's offers"]}
    errors = {}
    pct = (offer.discount * 100 / offer.balance) if offer.balance > 0 else Decimal("0")
    if pct > limit.max_discount_pct:
        errors["discount"] = [f"{pct.quantize(Decimal('0.01'))}% is above your limit of "
                              f"{limit.max_discount_pct}%"]
    if limit.max_discount_amount is not None and offer.discount > limit.max_discount_amount:
        errors.setdefault("discount", []).append(
            f"{offer.discount} is above your limit of {limit.max_discount_amount}")
    if len(offer.schedule) > limit.max_instalments:
        errors["schedule"] = [f"{len(offer.schedule)} instalments; you may approve up to "
                              f"{limit.max_instalments}"]
    return errors


def approve_offer(session: Session, caller, offer_id: str, note: str | None,
                  now: datetime) -> PaymentOffer:
    offer = _pending(session, caller, offer_id)
    if offer.proposed_by == caller.user_id:
        raise Forbidden("an offer is approved by someone other than who made it",
                        {"offer_id": ["your own offer"]})
    beyond = _beyond(offer, limit_for(session, caller, offer.lender_id))
    if beyond:
        raise Forbidden("this offer is beyond your approval limit", beyond)
    offer.status, offer.decided_by, offer.decided_at = OfferStatus.APPROVED, caller.user_id, now
    offer.decision_note = note
    offer.promise_ids = _promises(session, offer, now)
    audit.record(session, caller.user_id, "offer.approve", "payment_offer", offer.id,
                 {"discount": str(offer.discount), "promises": offer.promise_ids, "note": note})
    session.flush()
    return offer


def _promises(session: Session, offer: PaymentOffer, now: datetime) -> list[str]:
    """The plan's lines as promises (cumulative amounts); the account's earlier active
    promises are superseded by the plan."""
    ids, due = [], Decimal("0")
    for line in offer.schedule:
        due += Decimal(line["amount"])
        promise = PaymentPromise(
            id=new_id(), case_id=offer.case_id, account_id=offer.account_id,
            visit_id=offer.visit_id, amount=due, currency=offer.currency,
            due_on=date.fromisoformat(line["due_on"]), status=PromiseStatus.ACTIVE,
            recorded_at=now, received_at=now, user_id=offer.proposed_by)
        promise.digest = hashlib.sha256(
            f"offer|{offer.id}|{line['due_on']}|{due}".encode()).hexdigest()
        session.add(promise)
        ids.append(promise.id)
    session.flush()
    earlier = list(session.scalars(select(PaymentPromise.id).where(
        PaymentPromise.account_id == offer.account_id,
        PaymentPromise.status == PromiseStatus.ACTIVE, PaymentPromise.id.not_in(ids))))
    if earlier:
        session.execute(update(PaymentPromise).where(PaymentPromise.id.in_(earlier))
                        .values(status=PromiseStatus.SUPERSEDED, status_changed_at=now,
                                superseded_by=ids[0])
                        .execution_options(synchronize_session=False))
    record_changes(session, "payment_promises", ids + earlier)
    return ids


def refuse_offer(session: Session, caller, offer_id: str, reason: str,
                 now: datetime) -> PaymentOffer:
    offer = _pending(session, caller, offer_id)
    offer.status, offer.decided_by, offer.decided_at = OfferStatus.REFUSED, caller.user_id, now
    offer.decision_note = reason
    audit.record(session, caller.user_id, "offer.refuse", "payment_offer", offer.id,
                 {"reason": reason})
    session.flush()
    return offer


def set_limit(session: Session, caller, body: dict, now: datetime) -> ApprovalLimit:
    """Create or change one approval limit (admins; audited with the values before)."""
    if bool(body.get("role")) == bool(body.get("user")):
        raise InvalidInput("name a role or a user",
                           {"role": ["name exactly one of role and user"]})
    subject = f"role:{body.get('role')}"
    if body.get("user"):
        user = session.scalar(select(User).where(User.username == body["user"]))
        if user is None:
            raise InvalidInput("no such user", {"user": ["no user with this username"]})
        subject = f"user:{user.id}"
    lender_key = "*"
    if body.get("lender"):
        lender = session.scalar(select(Agency).where(Agency.code == body["lender"],
                                                     Agency.kind == AgencyKind.LENDER))
        if lender is None:
            raise InvalidInput("no such lender", {"lender": ["no lender with this code"]})
        lender_key = lender.id
    row = session.scalar(select(ApprovalLimit).where(ApprovalLimit.subject == subject,
                                                     ApprovalLimit.lender_key == lender_key))
    before = None if row is None else {"max_discount_pct": str(row.max_discount_pct),
                                       "max_discount_amount": str(row.max_discount_amount),
                                       "max_instalments": row.max_instalments}
    if row is None:
        row = ApprovalLimit(id=new_id(), subject=subject, lender_key=lender_key)
        session.add(row)
    row.max_discount_pct = body["max_discount_pct"]
    row.max_discount_amount = body.get("max_discount_amount")
    row.max_instalments = body["max_instalments"]
    row.updated_by, row.updated_at = caller.user_id, now
    session.flush()
    audit.record(session, caller.user_id, "approval_limit.set", "approval_limit", row.id,
                 {"subject": subject, "lender_key": lender_key, "before": before,
                  "max_discount_pct": str(row.max_discount_pct),
                  "max_discount_amount": str(row.max_discount_amount),
                  "max_instalments": row.max_instalments})
    return row


def limits_query() -> Select:
    return select(ApprovalLimit).order_by(ApprovalLimit.subject, ApprovalLimit.lender_key)
