"""Recall by rules (委外召回): the lender takes back placed cases on poor performance or on
complaints, judged with the agency performance report's own measures, case by case.

A rule looks at each of the lender's active cases placed with an outsourced agency now (its
current placement only: work under an earlier agency is not this agency's):
- `performance`: placed at least `placed_days` ago and, over the placement (or its last
  `within_days`), any of: no right-party contact by the agency's people, no money counted, a
  recovery rate (money counted ÷ (money counted + outstanding now)) below a fraction.
- `complaints`: over the placement (or its last `within_days`), at least `min_complaints`
  complaints (withdrawn ones do not count) and/or an upheld one, of the given categories.
Every criterion a rule names must hold ("two complaints or an upheld one" is two rules).
Rules are tried in order; a case takes the first it matches, which gives its reason and why.
A dry run returns a page of that and changes nothing; a real run recalls through
`recall_cases` per rule (same closing of work, tombstones and audit) and records the run.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.cases.placement import ACTIVE, _agency, recall_cases
from server.errors import InvalidInput
from server.models import (
    Account,
    Agency,
    AgencyKind,
    Case,
    Complaint,
    ComplaintStatus,
    ContactAttempt,
    Placement,
    User,
)
from server.payments.counted import counted_money
from server.payments.performance import right_party_contact

KINDS = {"performance": ("placed_days", "within_days", "no_right_party_contact", "no_payment",
                         "recovery_rate_below"),
         "complaints": ("within_days", "min_complaints", "upheld", "categories")}
REASONS = {"performance": "performance", "complaints": "complaint"}
CRITERIA = {"performance": ("no_right_party_contact", "no_payment", "recovery_rate_below"),
            "complaints": ("min_complaints", "upheld")}
PREVIEW = 100  # cases per page of the answer by default


def _named(rule: dict, key: str) -> bool:
    value = rule.get(key)
    return value is not None and value is not False and value != []


def check_rules(session: Session, rules: list[dict], codes: list[str]) -> list[str]:
    """The agency filter's ids; bad rules are a 422 naming the rule's field."""
    errors: dict[str, list[str]] = {}
    for i, rule in enumerate(rules):
        kind = rule["kind"]
        for key in sorted(set().union(*KINDS.values()) - set(KINDS[kind])):
            if _named(rule, key):
                errors[f"rules.{i}.{key}"] = [f"not a criterion of a {kind} rule"]
        if kind == "performance" and rule.get("placed_days") is None:
            errors[f"rules.{i}.placed_days"] = ["required: how long a case must have been placed"]
        if not any(_named(rule, key) for key in CRITERIA[kind]):
            errors[f"rules.{i}"] = ["name at least one of " + ", ".join(CRITERIA[kind])]
    ids = []
    for code in dict.fromkeys(codes):
        try:
            ids.append(_agency(session, code).id)
        except InvalidInput:
            errors["agencies"] = [f"no collection agency {code!r}"]
    if errors:
        raise InvalidInput("the recall rules are not valid", errors)
    return ids


def _current(lender_id: str, agency_ids: list[str]):
    """The lender's active cases placed with an outsourced agency now (one row per case)."""
    stmt = (select(Placement.case_id, Placement.agency_id, Placement.placed_at,
                   Case.external_id.label("ref"), Case.debtor_id, Agency.code)
            .join(Case, Case.id == Placement.case_id)
            .join(Agency, Agency.id == Placement.agency_id)
            .where(Case.lender_id == lender_id, Case.status.in_(ACTIVE),
                   Placement.returned_at.is_(None), Agency.kind == AgencyKind.OUTSOURCED))
    if agency_ids:
        stmt = stmt.where(Placement.agency_id.in_(agency_ids))
    return stmt.subquery("current")


def _window(cur, column, rule: dict, now: datetime):
    """`column` within the rule's period: since the placement (and the last within_days)."""
    cond = and_(column >= cur.c.placed_at, column < now)
    if rule.get("within_days"):
        cond = and_(cond, column >= now - timedelta(days=rule["within_days"]))
    return cond


def _contacts(session, cur, rule, now) -> set[str]:
    """Cases with a right-party contact by the placement's agency in the period."""
    return set(session.scalars(
        select(ContactAttempt.case_id).distinct()
        .join(cur, cur.c.case_id == ContactAttempt.case_id)
        .join(User, User.id == ContactAttempt.user_id)
        .where(User.agency_id == cur.c.agency_id, right_party_contact(cur.c.debtor_id),
               _window(cur, ContactAttempt.occurred_at, rule, now))))


def _recovered(session, cur, rule, now) -> dict[str, Decimal]:
    """Money counted per case in the period (the performance report's `amount_recovered`)."""
    money = counted_money()
    return dict(session.execute(
        select(cur.c.case_id, func.sum(money.c.amount)).select_from(money)
        .join(Account, Account.id == money.c.account_id)
        .join(cur, cur.c.case_id == Account.case_id)
        .where(_window(cur, money.c.paid_at, rule, now)).group_by(cur.c.case_id)).all())


def _outstanding(session, cur) -> dict[str, Decimal]:
    return dict(session.execute(
        select(cur.c.case_id, func.sum(Account.outstanding))
        .join(Account, Account.case_id == cur.c.case_id).group_by(cur.c.case_id)).all())


def _complaints(session, cur, rule, now) -> dict[str, tuple[int, int]]:
    """(complaints, upheld ones) per case received in the period."""
    upheld = func.sum(case((Complaint.upheld.is_(True), 1), else_=0))
    stmt = (select(cur.c.case_id, func.count(), upheld)
            .join(cur, cur.c.case_id == Complaint.case_id)
            .where(Complaint.status != ComplaintStatus.WITHDRAWN,
                   _window(cur, Complaint.received_at, rule, now)).group_by(cur.c.case_id))
    if rule.get("categories"):
        stmt = stmt.where(Complaint.category.in_(rule["categories"]))
    return {case_id: (n, int(up or 0)) for case_id, n, up in session.execute(stmt)}


def _period(rule: dict) -> str:
    return f"in the last {rule['within_days']} days" if rule.get("within_days") \
        else "since placed"


def _performance(session, cur, rows, rule, now) -> dict[str, tuple | None]:
    """Cases placed long enough that fail every performance criterion the rule names, each
    with (recovered, owed) when the rule reads the rate."""
    cutoff = now - timedelta(days=rule["placed_days"])
    unpaid, bound = rule.get("no_payment"), rule.get("recovery_rate_below")
    contacts = _contacts(session, cur, rule, now) if rule.get("no_right_party_contact") \
        else set()
    recovered = _recovered(session, cur, rule, now) if unpaid or bound is not None else {}
    outstanding = _outstanding(session, cur) if bound is not None else {}
    zero, found = Decimal("0"), {}
    for case_id, r in rows.items():
        if r.placed_at > cutoff or case_id in contacts:
            continue
        got = recovered.get(case_id) or zero
        if unpaid and got > 0:
            continue
        if bound is None:
            found[case_id] = None
            continue
        owed = got + (outstanding.get(case_id) or zero)
        if owed > 0 and got < bound * owed:
            found[case_id] = (got, owed)
    return found


def _complained(session, cur, rows, rule, now) -> dict[str, tuple]:
    """Cases with enough complaints, or an upheld one, in the period: (count, upheld)."""
    return {case_id: (n, upheld)
            for case_id, (n, upheld) in _complaints(session, cur, rule, now).items()
            if n >= (rule.get("min_complaints") or 1) and (upheld or not rule.get("upheld"))}


def _why(rule: dict, r, facts, now: datetime) -> str:
    """In words, why the rule took the case (only for the cases shown)."""
    if rule["kind"] == "complaints":
        n, upheld = facts
        return (f"{n} complaint{'s' if n > 1 else ''}, {upheld} upheld, while with {r.code} "
                f"({_period(rule)})")
    why = [f"placed {(now - r.placed_at).days} days with {r.code}"]
    why += [text for key, text in (("no_right_party_contact", "no right-party contact"),
                                   ("no_payment", "no payment")) if rule.get(key)]
    if facts is not None:
        got, owed = facts
        why.append(f"recovered {got:.2f} of {owed:.2f} ({got / owed:.1%})")
    return ", ".join(why) + f" ({_period(rule)})"


def plan_recall(session: Session, lender_id: str, rules: list[dict], agency_codes: list[str],
                now: datetime) -> dict:
    """Which placed cases the rules take back, in the order of the lender's case ids: (row,
    the first rule it matched, what the rule measured)."""
    cur = _current(lender_id, check_rules(session, rules, agency_codes))
    rows = {r.case_id: r for r in session.execute(select(cur).order_by(cur.c.ref))}
    taken: dict[str, tuple[int, object]] = {}
    per_rule = []
    for i, rule in enumerate(rules):
        judge = _performance if rule["kind"] == "performance" else _complained
        new = {cid: facts for cid, facts in judge(session, cur, rows, rule, now).items()
               if cid not in taken}
        taken.update({cid: (i, facts) for cid, facts in new.items()})
        per_rule.append({"name": rule.get("name") or f"rule {i + 1}", "kind": rule["kind"],
                         "matched": len(new)})
    picked = [(r, *taken[case_id]) for case_id, r in rows.items() if case_id in taken]
    return {"candidates": len(rows), "rules": per_rule, "picked": picked}


def _shown(rules: list[dict], per_rule: list[dict], picked: list, now: datetime) -> list[dict]:
    return [{"case": r.ref, "agency": r.code, "rule": per_rule[i]["name"],
             "reason": REASONS[rules[i]["kind"]], "placed_at": r.placed_at,
             "days_placed": (now - r.placed_at).days, "why": _why(rules[i], r, facts, now)}
            for r, i, facts in picked]


def recall_by_rules(session: Session, actor_id: str | None, lender_id: str, spec: dict,
                    now: datetime) -> dict:
    """Preview (dry run, the default) or recall the cases the rules select; a page of them."""
    rules = spec["rules"]
    plan = plan_recall(session, lender_id, rules, spec.get("agencies") or [], now)
    counts: Counter = Counter()
    if not spec["dry_run"]:
        for i, rule in enumerate(rules):
            refs = [r.ref for r, index, _ in plan["picked"] if index == i]
            if refs:
                note = f"rule {plan['rules'][i]['name']}" + (
                    f": {spec['note']}" if spec.get("note") else "")
                counts.update(recall_cases(session, actor_id, lender_id, refs,
                                           REASONS[rule["kind"]], note, spec["return_case"],
                                           now))
        audit.record(session, actor_id, "placement.recall_rules", "lender", lender_id, {
            "rules": jsonable_rules(rules), "agencies": spec.get("agencies") or [],
            "recalled": {r["name"]: r["matched"] for r in plan["rules"]},
            "return_case": spec["return_case"], "note": spec.get("note")}, now=now)
    offset, limit = spec.get("offset", 0), spec.get("limit", PREVIEW)
    page = plan["picked"][offset:offset + limit]
    return {"dry_run": spec["dry_run"], "candidates": plan["candidates"],
            "matched": len(plan["picked"]), "rules": plan["rules"],
            "agencies": dict(Counter(r.code for r, _, _ in plan["picked"])),
            "cases": _shown(rules, plan["rules"], page, now), "offset": offset, "limit": limit,
            **dict.fromkeys(("recalled", "returned", "visits", "assignments", "follow_ups",
                             "reminders", "promises"), 0), **counts}


def jsonable_rules(rules: list[dict]) -> list[dict]:
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rules]
