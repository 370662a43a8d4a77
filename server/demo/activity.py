"""Field work for the demo: two-person visits around today, and what happened on past ones."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from server.demo import geography as geo
from server.demo.portfolio import Debtor
from server.demo.rows import Dataset, fact, local
from server.demo.staff import Staff, certified
from server.models import (
    AddressReport,
    CheckIn,
    ContactAttempt,
    OutcomeCode,
    Verification,
    Visit,
    VisitAssignee,
    VisitNote,
    VisitOutcome,
    VisitStatus,
)

FUTURE_DAYS = 3  # besides today
PAST_DAYS = 5
_OUTCOMES = {  # code: (weight, debtor met, debt discussed, note)
    OutcomeCode.NOT_HOME: (28, False, False, "敲门无人应答，已在门上留联系卡。"),
    OutcomeCode.MET_DEBTOR: (18, True, True, "见到本人，说明逾期情况，本人表示会与家人商量。"),
    OutcomeCode.PROMISED: (20, True, True, "见到本人，协商后本人承诺按期还款。"),
    OutcomeCode.PAID: (8, True, True, "见到本人，当场还款并开具收据。"),
    OutcomeCode.REFUSED: (7, True, True, "本人拒绝沟通还款事宜，态度平和，已离开。"),
    OutcomeCode.THIRD_PARTY_MET: (7, False, False, "家属开门，仅确认本人居住于此，未谈及欠款。"),
    OutcomeCode.MOVED: (3, False, False, "邻居称本人已搬离约两个月，新地址不详。"),
    OutcomeCode.WRONG_ADDRESS: (2, False, False, "门牌号不存在，需重新核实地址。"),
    OutcomeCode.ASKED_TO_LEAVE: (3, True, False, "本人要求离开，已礼貌告辞。"),
    OutcomeCode.DISTRESSED: (1, True, False, "本人情绪激动、哭泣，暂停沟通，建议复核。"),
    OutcomeCode.DISPUTED: (2, True, True, "本人对欠款金额有异议，称已部分还款，需核对流水。"),
}
_PURPOSES = ("首次上门：核实地址与还款意愿", "协商还款方案", "逾期提醒后上门沟通",
             "核实联系方式与工作单位")


@dataclass
class DoneVisit:
    """A completed past visit, for the promises, payments and consents that came of it."""

    debtor: Debtor
    visit: dict
    code: str
    at: datetime
    lead: dict
    device: str
    lat: float
    lng: float


def build_visits(data: Dataset, staff: Staff, debtors: list[Debtor]) -> list[DoneVisit]:
    """~5-8 visits per collector pair per day: today and ahead assigned, past ones done."""
    today = data.today
    # Today first, then yesterday, tomorrow, the day before … so a small pool reaches them all.
    offsets = sorted([*range(-PAST_DAYS, 0), *range(1, FUTURE_DAYS + 1)], key=lambda k: (abs(k), k))
    days = [today] + [today + timedelta(days=k) for k in offsets]
    pools = {team["id"]: sorted((d for d in debtors if d.visitable and d.team is team),
                                key=lambda d: -d.case["priority"]) for team in staff.teams}
    share: dict[str, int] = {}  # after today, a small pool is spread over the other days
    done: list[DoneVisit] = []
    for day in days:
        for team in staff.teams:
            dispatcher = staff.dispatchers[team["agency_id"]]
            pool = pools[team["id"]]
            pairs = _pairs(staff.collectors[team["id"]], day)
            if day != today and team["id"] not in share:
                share[team["id"]] = max(1, math.ceil(len(pool) / (len(days) - 1) / len(pairs)))
            for lead, second in pairs:
                count = min(data.rng.randint(5, 8), share.get(team["id"], 8), len(pool))
                for slot in range(count):
                    debtor = pool.pop(0)
                    visit = _visit(data, debtor, team, dispatcher, day, slot)
                    assignees = [data.add(VisitAssignee, visit_id=visit["id"],
                                          user_id=collector["id"], role=role,
                                          assigned_at=local(day - timedelta(days=1), 17 * 60),
                                          assigned_by=dispatcher["id"], override_reason=None,
                                          ended_at=None)
                                 for role, collector in (("lead", lead), ("second", second))]
                    if day < today:
                        _remind(data, debtor, day)
                        outcome = _happened(data, staff, debtor, visit, day, slot, lead, second)
                        if outcome is not None:
                            done.append(outcome)
                        else:  # cancelled: the assignment ends and devices forget the visit
                            for assignee in assignees:
                                assignee["ended_at"] = local(day, 8 * 60)
                    elif day == today:
                        _remind(data, debtor, day)
    return done


def _pairs(collectors: list[dict], day: date) -> list[tuple[dict, dict]]:
    """Fixed pairs; when a certification lapses the odd one out rotates day by day."""
    able = [a for a in collectors if certified(a, day)]
    if len(able) % 2:
        shift = day.toordinal() % len(able)
        able = able[shift:] + able[:shift]
    return list(zip(able[0::2], able[1::2], strict=False))


def _visit(data: Dataset, debtor: Debtor, team: dict, dispatcher: dict, day: date,
           slot: int) -> dict:
    rng = data.rng
    work = debtor.work
    at_work = (work is not None and work["precision"] == "building"
               and work["district"] in team["territory"] and rng.random() < 0.2)
    address = work if at_work else debtor.home
    window = None
    if day >= data.today and slot >= 3 and rng.random() < 0.2:
        start = rng.choice((14, 15)) * 60
        window = (local(day, start), local(day, start + 120))
    account = max(debtor.accounts, key=lambda a: a["dpd"])
    overdue = sum(a["overdue_amount"] for a in debtor.accounts)
    offer = (f"一次性结清可申请减免罚息，最低还款{overdue}元" if account["dpd"] > 90
             else f"本月内还清逾期金额{overdue}元即可恢复正常还款")
    return data.add(
        Visit, case_id=debtor.case["id"], address_id=address["id"], team_id=team["id"],
        status=VisitStatus.ASSIGNED, scheduled_on=day,
        window_start=window[0] if window else None, window_end=window[1] if window else None,
        mandatory=window is not None, purpose=rng.choice(_PURPOSES),
        talking_points=(f"逾期{account['dpd']}天（{account['bucket']}），逾期金额{overdue}元；"
                        "了解逾期原因，告知还款渠道，全程录音。"),
        offer=offer, required_collectors=2, priority=debtor.case["priority"],
        service_minutes=rng.choice((20, 30, 40)), outcome_code=None, cancel_reason=None,
        created_by=dispatcher["id"], completed_at=None, version=1)


def _remind(data: Dataset, debtor: Debtor, day: date) -> None:
    """The reminder call of step 1, the afternoon before the visit, in the ledger."""
    if not debtor.calls_allowed:
        return
    connected = data.rng.random() < 0.6
    at = local(day - timedelta(days=1), data.rng.randint(10 * 60, 17 * 60))
    data.add(ContactAttempt, case_id=debtor.case["id"], party_id=debtor.party["id"],
             contact_point_id=debtor.phone_id, account_id=debtor.accounts[0]["id"],
             channel="call", user_id=None, occurred_at=at, connected=connected,
             outcome="ANSWERED" if connected else "NO_ANSWER", source_table=None,
             source_id=None)
    _touch(debtor, at)


def _happened(data: Dataset, staff: Staff, debtor: Debtor, visit: dict, day: date, slot: int,
              lead: dict, second: dict) -> DoneVisit | None:
    """Check-ins, outcome, note and ledger entry of a past visit (a few were cancelled)."""
    rng = data.rng
    if rng.random() < 0.08:
        visit.update(status=VisitStatus.CANCELLED, cancel_reason="债务人来电改约")
        return None
    arrival = local(day, 9 * 60 + 30 + slot * 60 + rng.randint(0, 15))
    address = next(a for a in (debtor.home, debtor.work) if a and a["id"] == visit["address_id"])
    for i, collector in enumerate((lead, second)):
        lat, lng = geo.jitter(rng, address["lat"], address["lng"], 40)
        data.add(CheckIn, **fact({
            "id": data.new_id(), "recorded_at": arrival + timedelta(seconds=20 + 40 * i),
            "user_id": collector["id"], "device_id": staff.devices[collector["id"]],
            "visit_id": visit["id"], "kind": "in", "lat": lat, "lng": lng,
            "accuracy_m": float(rng.randint(5, 25))}))
    code = rng.choices(list(_OUTCOMES), weights=[v[0] for v in _OUTCOMES.values()])[0]
    _, met, discussed, note = _OUTCOMES[code]
    party_met = debtor.party["id"] if met else None
    if code == OutcomeCode.THIRD_PARTY_MET:
        party_met = debtor.spouse_id
    at = arrival + timedelta(minutes=visit["service_minutes"])
    device = staff.devices[lead["id"]]
    outcome = data.add(VisitOutcome, **fact({
        "id": data.new_id(), "recorded_at": at, "user_id": lead["id"], "device_id": device,
        "visit_id": visit["id"], "code": code, "party_met_id": party_met,
        "discussed_debt": discussed, "recording_made": met, "note": note}))
    data.add(VisitNote, **fact({
        "id": data.new_id(), "recorded_at": at + timedelta(minutes=2), "user_id": lead["id"],
        "device_id": device, "visit_id": visit["id"],
        "body": f"{note}（同行：{second['display_name']}）"}))
    if code in (OutcomeCode.MOVED, OutcomeCode.WRONG_ADDRESS):
        kind = "moved" if code == OutcomeCode.MOVED else "wrong"
        data.add(AddressReport, **fact({
            "id": data.new_id(), "recorded_at": at, "user_id": lead["id"], "device_id": device,
            "address_id": address["id"], "visit_id": visit["id"], "kind": kind,
            "lat": None, "lng": None, "accuracy_m": None, "note": note}))
        address["verification_state"] = Verification.NEEDS_REVERIFICATION
    if code == OutcomeCode.DISPUTED:
        debtor.case["dispute_open"] = True
    data.add(ContactAttempt, case_id=debtor.case["id"], party_id=party_met or debtor.party["id"],
             contact_point_id=None, account_id=debtor.accounts[0]["id"], channel="visit",
             user_id=lead["id"], occurred_at=at, connected=met, outcome=code,
             source_table="visit_outcomes", source_id=outcome["id"])
    visit.update(status=VisitStatus.COMPLETED, outcome_code=code,
                 completed_at=at + timedelta(minutes=5))
    _touch(debtor, at)
    return DoneVisit(debtor, visit, code, arrival, lead, device, address["lat"], address["lng"])


def _touch(debtor: Debtor, at: datetime) -> None:
    last = debtor.case["last_activity_at"]
    debtor.case["last_activity_at"] = at if last is None or at > last else last
