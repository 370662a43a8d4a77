"""The demo portfolio: debtors with cases, accounts, placements, addresses, phones, relations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from server.demo import geography as geo
from server.demo.names import birth_date, mobile, national_id, person_name
from server.demo.rows import Dataset, cny, local, round_to
from server.demo.staff import Staff
from server.models import (
    Account,
    Address,
    AddressKind,
    Case,
    CaseStatus,
    ContactPoint,
    OptOut,
    Party,
    PartyRelationship,
    Placement,
    RelationshipKind,
    Verification,
)

# bucket, lowest dpd, highest dpd, share of accounts (%)
BUCKETS = (("M1", 1, 30, 20), ("M2", 31, 60, 20), ("M3", 61, 90, 18), ("M4", 91, 120, 14),
           ("M5", 121, 150, 10), ("M6+", 151, 720, 18))
# product, smallest and largest principal (CNY), term in months
_PRODUCTS = (("consumer_loan", 20_000, 200_000, 36), ("cash_loan", 3_000, 50_000, 12),
             ("instalment", 5_000, 80_000, 24))
# Debtors 1-4 carry the compliance stories; they are always placed with an agency.
VULNERABLE, ATTORNEY, HOLD, DISPUTE = 1, 2, 3, 4
# Related parties: kind, chance, liable for the debt, contact label
_RELATIONS = ((RelationshipKind.SPOUSE, 0.4, False, "配偶手机"),
              (RelationshipKind.GUARANTOR, 0.1, True, "担保人手机"),
              (RelationshipKind.REFERENCE, 0.5, False, "紧急联系人"))


@dataclass
class Debtor:
    """What the activity builders need to know about one debtor's case."""

    party: dict
    case: dict
    accounts: list[dict]
    home: dict
    work: dict | None
    phone_id: str
    team: dict
    agency_id: str
    visitable: bool
    calls_allowed: bool
    spouse_id: str | None


def build_portfolio(data: Dataset, staff: Staff, debtors: int) -> list[Debtor]:
    """`debtors` debtors, each with one case, 1-2 accounts, a placement and contact data."""
    team_of = {name: team for team in staff.teams for name in team["territory"]}
    phones: set[str] = set()
    return [_debtor(data, staff, team_of, phones, n) for n in range(debtors)]


def _debtor(data: Dataset, staff: Staff, team_of: dict, phones: set, n: int) -> Debtor:
    rng, today, lender_id = data.rng, data.today, staff.lender["id"]
    gender = rng.choice("MF")
    name, _ = person_name(rng, gender)
    district = geo.pick_district(rng)
    born = birth_date(rng, today, 22, 58)
    party = data.add(
        Party, lender_id=lender_id, external_id=f"PJC{1_000_000 + n * 37:08d}", full_name=name,
        national_id=national_id(rng, born, gender, district.name), gender=gender,
        birth_date=born, language="zh-CN", vulnerable=n == VULNERABLE,
        vulnerability_note="家属来电告知本人重病住院，暂停一切上门" if n == VULNERABLE else None,
        attorney_represented=n == ATTORNEY,
        hold_until=today + timedelta(days=10) if n == HOLD else None,
        hold_reason="直系亲属丧事，暂停上门至丧期结束" if n == HOLD else None,
        preferred_windows=[{"from": "18:00", "to": "20:00"}] if rng.random() < 0.08 else [])
    accounts_spec = [_account_spec(data) for _ in range(1 if rng.random() < 0.7 else 2)]
    oldest_due = min(spec["due_since"] for spec in accounts_spec)
    opened = local(oldest_due + timedelta(days=rng.randint(1, 3)), 10 * 60)
    case = data.add(
        Case, lender_id=lender_id, external_id=f"PJ-{oldest_due:%Y%m}-{n + 1:05d}",
        debtor_id=party["id"],
        status=CaseStatus.PAUSED if n == ATTORNEY else CaseStatus.OPEN,
        priority=_priority(accounts_spec), jurisdiction="CN", dispute_open=n == DISPUTE,
        opened_at=opened, closed_at=None, last_activity_at=None)
    accounts = [data.add(Account, lender_id=lender_id, case_id=case["id"], currency="CNY",
                         external_id=f"PJL{20_000_000 + n * 10 + i}", last_payment_at=None,
                         **spec) for i, spec in enumerate(accounts_spec)]
    team = team_of[district.name]
    early = all(a["bucket"] == "M1" for a in accounts)
    kept = early and n > DISPUTE and rng.random() < 0.6
    agency_id = lender_id if kept else team["agency_id"]
    placed_on = min(oldest_due + timedelta(days=rng.randint(3, 40)), today - timedelta(days=1))
    data.add(Placement, case_id=case["id"], agency_id=agency_id,
             placed_at=max(local(placed_on, 9 * 60), opened),
             ends_on=None if kept else placed_on + timedelta(days=180), returned_at=None)
    home = _address(data, party["id"], AddressKind.HOME, district)
    work = None
    if rng.random() < 0.3:
        work = _address(data, party["id"], AddressKind.WORK, geo.pick_district(rng))
    phone_id = _phone(data, party["id"], mobile(rng, phones), "本人手机")
    if rng.random() < 0.4:
        _phone(data, party["id"], mobile(rng, phones), "备用号码", valid=rng.random() < 0.8)
    opted_out = _opt_outs(data, party["id"], phone_id, n)
    spouse_id = _relations(data, staff, party, phones)
    return Debtor(
        party=party, case=case, accounts=accounts, home=home, work=work, phone_id=phone_id,
        team=team, agency_id=agency_id, calls_allowed=not opted_out & {"call", "all"},
        visitable=(not kept and n not in (VULNERABLE, ATTORNEY, HOLD, DISPUTE)
                   and home["precision"] == "building" and not opted_out & {"visit", "all"}),
        spouse_id=spouse_id)


def _account_spec(data: Dataset) -> dict:
    rng, today = data.rng, data.today
    bucket, low, high, _ = rng.choices(BUCKETS, weights=[b[3] for b in BUCKETS])[0]
    dpd = rng.randint(low, high)
    product, smallest, largest, term = rng.choice(_PRODUCTS)
    principal = round_to(rng.uniform(smallest, largest), 100)
    instalment = principal * cny(1 + 0.12 * term / 12) / term
    paid_terms = rng.randint(0, term // 2)
    outstanding = cny(instalment * (term - paid_terms) * cny(rng.uniform(1.0, 1.05)))
    overdue = min(outstanding, cny(instalment * math.ceil(dpd / 30)))
    return {"product": product, "principal": principal, "outstanding": outstanding,
            "overdue_amount": overdue, "due_since": today - timedelta(days=dpd), "dpd": dpd,
            "bucket": bucket}


def _priority(accounts: list[dict]) -> int:
    late = max(a["dpd"] for a in accounts) > 90
    large = sum(a["outstanding"] for a in accounts) > 50_000
    return int(late) + int(large)


def _address(data: Dataset, party_id: str, kind: str, district: geo.District) -> dict:
    rng = data.rng
    maker = geo.home_address if kind == AddressKind.HOME else geo.work_address
    raw_text, street = maker(rng, district)
    roll = rng.random()
    lat, lng = geo.jitter(rng, district.lat, district.lng, 2500)
    row = {"precision": "building", "geocoder": "amap", "verified_at": None,
           "accuracy_m": float(rng.randint(15, 120)), "verification_state": Verification.GEOCODED}
    if roll < 0.15:
        row.update(verification_state=Verification.FIELD_VERIFIED, geocoder="field",
                   accuracy_m=float(rng.randint(5, 25)),
                   verified_at=local(data.today - timedelta(days=rng.randint(10, 120)), 15 * 60))
    elif roll < 0.23:
        lat, lng = geo.jitter(rng, district.lat, district.lng, 300)
        row.update(precision="district", accuracy_m=3000.0)
    elif roll < 0.30:
        lat = lng = None
        row.update(precision=None, geocoder=None, accuracy_m=None,
                   verification_state=Verification.UNVERIFIED)
    return data.add(Address, party_id=party_id, kind=kind, raw_text=raw_text,
                    province=geo.PROVINCE, city=geo.CITY, district=district.name, street=street,
                    adcode=district.adcode, lat=lat, lng=lng, time_zone=geo.TIME_ZONE,
                    proposed_lat=None, proposed_lng=None, **row)


def _phone(data: Dataset, party_id: str, number: str, label: str, valid: bool = True) -> str:
    return data.add(ContactPoint, party_id=party_id, channel="phone", value=number, label=label,
                    valid=valid)["id"]


def _opt_outs(data: Dataset, party_id: str, phone_id: str, n: int) -> set[str]:
    """Attorney representation stops everything; a few debtors opted out of calls or SMS."""
    if n == ATTORNEY:
        channel, point, reason = "all", None, "attorney"
    elif data.rng.random() < 0.04:
        channel, point, reason = data.rng.choice(("call", "sms")), phone_id, "opt_out"
    else:
        return set()
    data.add(OptOut, party_id=party_id, contact_point_id=point, channel=channel, reason=reason,
             recorded_at=local(data.today - timedelta(days=data.rng.randint(3, 60)), 11 * 60),
             lifted_at=None)
    return {channel}


def _relations(data: Dataset, staff: Staff, debtor: dict, phones: set) -> str | None:
    rng, spouse_id = data.rng, None
    for kind, chance, liable, label in _RELATIONS:
        if rng.random() >= chance:
            continue
        if kind == RelationshipKind.SPOUSE:
            gender = "F" if debtor["gender"] == "M" else "M"
        else:
            gender = rng.choice("MF")
        name, _ = person_name(rng, gender)
        known = kind != RelationshipKind.REFERENCE  # references give a name and a phone only
        born = birth_date(rng, data.today, 25, 62) if known else None
        party = data.add(
            Party, lender_id=staff.lender["id"], external_id=None, full_name=name,
            national_id=national_id(rng, born, gender, None) if known else None,
            gender=gender, birth_date=born, language="zh-CN", vulnerable=False,
            vulnerability_note=None, attorney_represented=False, hold_until=None,
            hold_reason=None, preferred_windows=[])
        data.add(PartyRelationship, debtor_id=debtor["id"], party_id=party["id"],
                 relationship=kind, debt_related=liable)
        _phone(data, party["id"], mobile(rng, phones), label)
        if kind == RelationshipKind.SPOUSE:
            spouse_id = party["id"]
    return spouse_id
