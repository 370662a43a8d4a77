"""The demo builder without a database: same seed, same rows; the compliance stories hold."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from server.demo.names import id_check_digit, valid_national_id
from server.demo.portfolio import ATTORNEY, DISPUTE, HOLD, VULNERABLE
from server.demo.seed import build_demo
from server.models import (
    Account,
    Case,
    Consent,
    ConsentText,
    OptOut,
    Party,
    PartyRelationship,
    Payment,
    PaymentPromise,
    Placement,
    User,
    Visit,
)

TODAY = date(2026, 3, 18)


@pytest.fixture(scope="module")
def demo():
    data, _ = build_demo(2024, 600, TODAY, "hash")
    return data.rows


def test_the_same_seed_builds_the_same_rows():
    first, _ = build_demo(9, 60, TODAY, "hash")
    second, _ = build_demo(9, 60, TODAY, "hash")
    other, _ = build_demo(10, 60, TODAY, "hash")
    assert first.rows == second.rows
    assert first.rows[Party] != other.rows[Party]


def test_the_check_digit_follows_gb_11643():
    assert id_check_digit("11010519491231002") == "X"
    assert valid_national_id("11010519491231002X")
    assert not valid_national_id("110105194912310021")


def test_accounts_spread_over_buckets_with_dpd_matching_due_since(demo):
    buckets = Counter(a["bucket"] for a in demo[Account])
    assert set(buckets) == {"M1", "M2", "M3", "M4", "M5", "M6+"}
    for account in demo[Account]:
        assert account["due_since"] == TODAY - timedelta(days=account["dpd"])
        assert 0 < account["overdue_amount"] <= account["outstanding"]
        assert account["currency"] == "CNY" and account["principal"].as_tuple().exponent == -2


def test_most_cases_are_placed_with_the_outsourced_agencies(demo):
    lender = next(c["lender_id"] for c in demo[Case])
    kept = sum(p["agency_id"] == lender for p in demo[Placement])
    assert len(demo[Placement]) == 600 and 0 < kept < 150


def test_one_vulnerable_one_attorney_one_hold_and_none_of_them_visited(demo):
    debtors = [p for p in demo[Party] if p["external_id"]]
    assert [i for i, p in enumerate(debtors) if p["vulnerable"]] == [VULNERABLE]
    assert [i for i, p in enumerate(debtors) if p["attorney_represented"]] == [ATTORNEY]
    assert [i for i, p in enumerate(debtors) if p["hold_until"]] == [HOLD]
    protected = {debtors[i]["id"] for i in (VULNERABLE, ATTORNEY, HOLD, DISPUTE)}
    protected_cases = {c["id"] for c in demo[Case] if c["debtor_id"] in protected}
    assert not protected_cases & {v["case_id"] for v in demo[Visit]}
    assert any(o["reason"] == "attorney" and o["channel"] == "all" for o in demo[OptOut])
    assert sum(o["reason"] == "opt_out" for o in demo[OptOut]) >= 3


def test_related_parties_carry_debt_related_by_relationship(demo):
    kinds = Counter((r["relationship"], r["debt_related"]) for r in demo[PartyRelationship])
    assert kinds[("guarantor", True)] and kinds[("spouse", False)] and kinds[("reference", False)]
    assert len(kinds) == 3


def test_promises_are_active_kept_or_broken_and_kept_ones_are_paid(demo):
    promises = demo[PaymentPromise]
    assert {p["status"] for p in promises} == {"active", "kept", "broken"}
    paid = {(p["account_id"], p["amount"]) for p in demo[Payment]}
    for promise in promises:
        assert abs((promise["due_on"] - TODAY).days) <= 25
        if promise["status"] == "kept":
            assert (promise["account_id"], promise["amount"]) in paid
    assert {p["method"] for p in demo[Payment]} >= {"cash", "qr", "transfer"}
    receipts = [p["receipt_no"] for p in demo[Payment]]
    assert len(set(receipts)) == len(receipts)


def test_one_consent_text_per_kind_and_consents_point_at_them(demo):
    texts = {t["id"]: t for t in demo[ConsentText]}
    assert sorted(t["kind"] for t in texts.values()) == [
        "contact_time", "data_processing", "recording"]
    assert all(t["version"] == 1 and t["language"] == "zh-CN" for t in texts.values())
    assert {c["kind"] for c in demo[Consent]} == {"recording", "contact_time", "data_processing"}
    assert all(texts[c["consent_text_id"]]["kind"] == c["kind"] for c in demo[Consent])


def test_one_collector_expires_soon_and_one_has_expired(demo):
    collectors = [u for u in demo[User] if u["role"] == "collector"]
    expiries = sorted(a["certification_expires_on"] for a in collectors)
    assert expiries[0] < TODAY <= expiries[1] <= TODAY + timedelta(days=30) < expiries[2]
