"""Money and consent for the demo: promises (active, kept, broken), payments, consents."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from server.demo.activity import DoneVisit
from server.demo.portfolio import Debtor
from server.demo.rows import Dataset, cny, fact, local, round_to
from server.models import (
    Consent,
    ConsentKind,
    ConsentText,
    OutcomeCode,
    Payment,
    PaymentPromise,
    PromiseStatus,
)

GRACE_DAYS = 3  # the CN profile's promise_grace_days
_TEXTS = {
    ConsentKind.RECORDING: (
        "CN_VISIT_RECORDING",
        "为保障双方权益，本次上门沟通将全程录音录像。录音仅用于核实沟通内容及处理投诉，"
        "保存期限不少于三年，不会用于其他用途。您可以随时要求查阅与本人相关的录音记录。"),
    ConsentKind.CONTACT_TIME: (
        "CN_CONTACT_TIME",
        "本人同意在以下约定时段内接受关于本人借款事宜的电话或上门联系，"
        "该时段可能早于08:00或晚于22:00。本人可随时撤回本同意，撤回后不影响此前联系的合法性。"),
    ConsentKind.DATA_PROCESSING: (
        "CN_DATA_PROCESSING",
        "本人同意浦江消费金融有限公司及其委托的催收服务机构，为催收本人逾期借款之目的，"
        "处理本人的姓名、身份证号、联系方式及地址等个人信息。受托机构仅可在委托范围内处理，"
        "委托结束后应删除或返还相关信息。本人依法享有查阅、复制、更正及删除等权利。"),
}
_PAY_METHODS = (("cash", 4), ("qr", 4), ("transfer", 2))


def build_ledger(data: Dataset, debtors: list[Debtor], done: list[DoneVisit]) -> None:
    """Consent texts and consents, promises made at visits and by phone, and payments."""
    texts = {kind: data.add(ConsentText, code=code, version=1, language="zh-CN", kind=kind,
                            body=body, effective_from=date(2025, 1, 1))["id"]
             for kind, (code, body) in _TEXTS.items()}
    receipts = count(1)
    settled_at_visit = set()
    for visit in done:
        if visit.code in (OutcomeCode.MET_DEBTOR, OutcomeCode.PROMISED, OutcomeCode.PAID,
                          OutcomeCode.REFUSED, OutcomeCode.DISPUTED,
                          OutcomeCode.ASKED_TO_LEAVE, OutcomeCode.DISTRESSED):
            _recording_consent(data, texts, visit)
        if visit.code in (OutcomeCode.PROMISED, OutcomeCode.PAID):
            settled_at_visit.add(visit.debtor.case["id"])
        if visit.code == OutcomeCode.PROMISED:
            _visit_promise(data, visit)
        elif visit.code == OutcomeCode.PAID:
            account = _largest(visit.debtor)
            method = data.rng.choices([m for m, _ in _PAY_METHODS],
                                      weights=[w for _, w in _PAY_METHODS])[0]
            _pay(data, visit.debtor, account, _part(data, account), method,
                 visit.at + timedelta(minutes=12), next(receipts), visit)
    for debtor in debtors:
        roll = data.rng.random()
        if (roll < 0.12 and debtor.agency_id == debtor.team["agency_id"]
                and debtor.case["id"] not in settled_at_visit):
            _phone_promise(data, debtor, receipts)
        if roll > 0.75:
            _standing_consent(data, texts, debtor, ConsentKind.DATA_PROCESSING)
        elif roll > 0.72:
            _standing_consent(data, texts, debtor, ConsentKind.CONTACT_TIME)


def _largest(debtor: Debtor) -> dict:
    return max(debtor.accounts, key=lambda a: a["overdue_amount"])


def _part(data: Dataset, account: dict):
    """A round share of the overdue amount, never more than is overdue."""
    overdue = account["overdue_amount"]
    return min(overdue, round_to(overdue * cny(data.rng.uniform(0.3, 1.0)), 100))


def _recording_consent(data: Dataset, texts: dict, visit: DoneVisit) -> None:
    debtor = visit.debtor
    data.add(Consent, **fact({
        "id": data.new_id(), "recorded_at": visit.at + timedelta(minutes=1),
        "user_id": visit.lead["id"], "device_id": visit.device, "party_id": debtor.party["id"],
        "case_id": debtor.case["id"], "visit_id": visit.visit["id"],
        "consent_text_id": texts[ConsentKind.RECORDING], "kind": ConsentKind.RECORDING,
        "method": "verbal_recorded", "granted_at": visit.at + timedelta(minutes=1),
        "lat": visit.lat, "lng": visit.lng, "scope": {}, "withdrawn_at": None,
        "withdraws": None}))


def _standing_consent(data: Dataset, texts: dict, debtor: Debtor, kind: str) -> None:
    """Data processing signed in the lender's app; a late-evening contact window by phone."""
    if kind == ConsentKind.DATA_PROCESSING:
        granted = local(debtor.accounts[0]["due_since"] - timedelta(days=200), 20 * 60)
        method, scope = "in_app", {}
    else:
        granted = local(data.today - timedelta(days=data.rng.randint(5, 40)), 11 * 60)
        method, scope = "verbal_recorded", {"from": "22:00", "to": "22:30"}
    data.add(Consent, **fact({
        "id": data.new_id(), "recorded_at": granted, "user_id": None, "device_id": None,
        "party_id": debtor.party["id"], "case_id": debtor.case["id"], "visit_id": None,
        "consent_text_id": texts[kind], "kind": kind, "method": method, "granted_at": granted,
        "lat": None, "lng": None, "scope": scope, "withdrawn_at": None, "withdraws": None}))


def _visit_promise(data: Dataset, visit: DoneVisit) -> None:
    account = _largest(visit.debtor)
    due = visit.visit["scheduled_on"] + timedelta(days=data.rng.randint(3, 10))
    _promise(data, visit.debtor, account, _part(data, account), due, visit.at, visit,
             PromiseStatus.ACTIVE)


def _phone_promise(data: Dataset, debtor: Debtor, receipts) -> None:
    """An earlier promise by phone, due around today: active, or already kept or broken."""
    rng, today = data.rng, data.today
    account = _largest(debtor)
    amount = _part(data, account)
    due = today + timedelta(days=rng.randint(-25, 6))
    made = local(due - timedelta(days=rng.randint(5, 12)), rng.randint(10 * 60, 17 * 60))
    status = PromiseStatus.ACTIVE
    if due + timedelta(days=GRACE_DAYS) < today:
        status = PromiseStatus.KEPT if rng.random() < 0.55 else PromiseStatus.BROKEN
    promise = _promise(data, debtor, account, amount, due, made, None, status)
    if status == PromiseStatus.KEPT:
        paid_at = local(due - timedelta(days=rng.randint(0, 2)), rng.randint(9 * 60, 21 * 60))
        _pay(data, debtor, account, amount, "transfer", paid_at, next(receipts), None)
        promise["paid_amount"] = amount
    if status != PromiseStatus.ACTIVE:
        checked = due + timedelta(days=1 if status == PromiseStatus.KEPT else GRACE_DAYS + 1)
        promise["status_changed_at"] = local(checked, 2 * 60)


def _promise(data: Dataset, debtor: Debtor, account: dict, amount, due: date, made,
             visit: DoneVisit | None, status: str) -> dict:
    """A promise as the device or call centre recorded it; the status is the server's word."""
    return data.add(PaymentPromise, **fact({
        "id": data.new_id(), "recorded_at": made + timedelta(minutes=3),
        "user_id": visit.lead["id"] if visit else None,
        "device_id": visit.device if visit else None, "case_id": debtor.case["id"],
        "account_id": account["id"], "visit_id": visit.visit["id"] if visit else None,
        "amount": amount, "currency": "CNY", "due_on": due}),
        status=status, status_changed_at=None, superseded_by=None, paid_amount=cny(0))


def _pay(data: Dataset, debtor: Debtor, account: dict, amount, method: str, paid_at,
         number: int, visit: DoneVisit | None) -> None:
    prefix = "SK" if visit else "ZZ"  # 收款 (field receipt) / 转账 (bank transfer reference)
    data.add(Payment, **fact({
        "id": data.new_id(), "recorded_at": paid_at,
        "user_id": visit.lead["id"] if visit else None,
        "device_id": visit.device if visit else None,
        "case_id": debtor.case["id"], "account_id": account["id"],
        "visit_id": visit.visit["id"] if visit else None, "amount": amount, "currency": "CNY",
        "method": method, "receipt_no": f"{prefix}{paid_at:%Y%m%d}{number:05d}",
        "paid_at": paid_at, "voided_at": None, "void_reason": None, "reissue_of": None}))
    last = account["last_payment_at"]
    account["last_payment_at"] = paid_at if last is None or paid_at > last else last
