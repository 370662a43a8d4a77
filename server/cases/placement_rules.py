"""Placement by rules (委外分案): the lender's unplaced cases go to agencies by ordered rules.

A rule selects cases by bucket, dpd range, the debtor's city and the balance range, and shares
them among agencies by percentage, each up to an optional capacity (its open placements of
this lender's cases, counted before the run, plus what it is given now). A case takes the first
rule it matches. Within a rule cases are dealt in the order of the lender's case ids, each to
the agency furthest below its share, so the split follows the shares and the same input always
gives the same split. A dry run returns the preview and changes nothing; a real run places
through `place_cases` (audited per agency) and records the run with its rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.cases.placement import ACTIVE, _agency, place_cases
from server.errors import InvalidInput
from server.models import Account, Address, Case, Placement

PREVIEW_IDS = 100  # case ids shown per agency in the answer


def _facts(session: Session, lender_id: str) -> list[dict]:
    """The lender's active, unplaced cases with what rules read: bucket, dpd, city, balance."""
    placed = select(Placement.case_id).where(Placement.returned_at.is_(None))
    accounts = (select(Account.case_id, func.max(Account.dpd).label("dpd"),
                       func.sum(Account.outstanding).label("balance"))
                .group_by(Account.case_id).subquery())
    rows = session.execute(
        select(Case.id, Case.external_id, Case.debtor_id, accounts.c.dpd, accounts.c.balance)
        .join(accounts, accounts.c.case_id == Case.id)
        .where(Case.lender_id == lender_id, Case.status.in_(ACTIVE), Case.id.not_in(placed))
        .order_by(Case.external_id)).all()
    debtors = {r.debtor_id for r in rows}
    cities: dict[str, str | None] = {}
    buckets: dict[str, str] = {}
    if rows:
        for party_id, city in session.execute(
                select(Address.party_id, Address.city).where(Address.party_id.in_(debtors))
                .order_by(Address.party_id, Address.id)):
            cities.setdefault(party_id, city)
        for case_id, bucket in session.execute(
                select(Account.case_id, Account.bucket).where(
                    Account.case_id.in_([r.id for r in rows]))
                .order_by(Account.case_id, Account.dpd.desc())):
            buckets.setdefault(case_id, bucket)
    return [{"id": r.id, "ref": r.external_id, "dpd": r.dpd or 0,
             "balance": r.balance or Decimal("0"), "bucket": buckets.get(r.id),
             "city": cities.get(r.debtor_id)} for r in rows]


def _matches(rule: dict, case: dict) -> bool:
    if rule.get("bucket") and case["bucket"] not in rule["bucket"]:
        return False
    if rule.get("city") and case["city"] not in rule["city"]:
        return False
    for key, value, low in (("dpd_min", case["dpd"], True), ("dpd_max", case["dpd"], False),
                            ("balance_min", case["balance"], True),
                            ("balance_max", case["balance"], False)):
        bound = rule.get(key)
        if bound is not None and (value < bound if low else value > bound):
            return False
    return True


def _check(session: Session, rules: list[dict]) -> dict:
    agencies, errors = {}, {}
    for i, rule in enumerate(rules):
        shares = [a["share"] for a in rule["agencies"]]
        if sum(shares) != 100:
            errors[f"rules.{i}.agencies"] = [f"shares add up to {sum(shares)}, not 100"]
        codes = [a["agency"] for a in rule["agencies"]]
        if len(set(codes)) != len(codes):
            errors[f"rules.{i}.agencies"] = ["an agency is named twice"]
        for code in codes:
            if code not in agencies:
                try:
                    agencies[code] = _agency(session, code)
                except InvalidInput:
                    errors[f"rules.{i}.agencies"] = [f"no collection agency {code!r}"]
        for low, high in (("dpd_min", "dpd_max"), ("balance_min", "balance_max")):
            if rule.get(low) is not None and rule.get(high) is not None and \
                    rule[low] > rule[high]:
                errors[f"rules.{i}.{low}"] = [f"more than {high}"]
    if errors:
        raise InvalidInput("the rules are not valid", errors)
    return agencies


def plan_placement(session: Session, lender_id: str, rules: list[dict]) -> dict:
    """Which unplaced case goes to which agency under the rules: {code: [case refs]} and the
    cases no rule took or no agency had room for."""
    agencies = _check(session, rules)
    held = dict(session.execute(
        select(Placement.agency_id, func.count()).join(Case, Case.id == Placement.case_id)
        .where(Placement.returned_at.is_(None), Case.lender_id == lender_id)
        .group_by(Placement.agency_id)).all())
    load = {code: held.get(a.id, 0) for code, a in agencies.items()}
    given: dict[str, list[str]] = defaultdict(list)
    per_rule, unmatched, no_room = [], [], []
    cases = _facts(session, lender_id)
    pending = list(cases)
    for rule in rules:
        taken, rest = [c for c in pending if _matches(rule, c)], \
            [c for c in pending if not _matches(rule, c)]
        pending = rest
        counts = dict.fromkeys((a["agency"] for a in rule["agencies"]), 0)
        for n, case in enumerate(taken, start=1):
            room = [a for a in rule["agencies"]
                    if a.get("capacity") is None or load[a["agency"]] < a["capacity"]]
            if not room:
                no_room.append(case["ref"])
                continue
            best = min(room, key=lambda a: (counts[a["agency"]] - n * a["share"] / 100,
                                            rule["agencies"].index(a)))
            counts[best["agency"]] += 1
            load[best["agency"]] += 1
            given[best["agency"]].append(case["ref"])
        per_rule.append({"name": rule.get("name") or f"rule {len(per_rule) + 1}",
                         "matched": len(taken), "agencies": counts})
    unmatched = [c["ref"] for c in pending]
    return {"candidates": len(cases), "rules": per_rule, "given": dict(given),
            "unmatched": unmatched, "no_room": no_room}


def place_by_rules(session: Session, actor_id: str | None, lender_id: str, rules: list[dict],
                   dry_run: bool, ends_on: date | None, now: datetime) -> dict:
    plan = plan_placement(session, lender_id, rules)
    if not dry_run:
        for code, refs in plan["given"].items():
            place_cases(session, actor_id, lender_id, refs, code, ends_on, now)
        audit.record(session, actor_id, "placement.rules", "lender", lender_id,
                     {"rules": _jsonable(rules), "placed": {k: len(v) for k, v in
                                                            plan["given"].items()},
                      "unmatched": len(plan["unmatched"]), "no_room": len(plan["no_room"])})
    return {"dry_run": dry_run, "candidates": plan["candidates"], "rules": plan["rules"],
            "placed": {code: len(refs) for code, refs in plan["given"].items()},
            "cases": {code: refs[:PREVIEW_IDS] for code, refs in plan["given"].items()},
            "unmatched": len(plan["unmatched"]), "no_room": len(plan["no_room"]),
            "unplaced_cases": (plan["unmatched"] + plan["no_room"])[:PREVIEW_IDS]}


def _jsonable(rules: list[dict]) -> list[dict]:
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rules]
