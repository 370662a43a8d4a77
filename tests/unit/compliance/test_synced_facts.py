from datetime import timedelta

import pytest

from server.compliance.engine import (
    SEEDED,
    CheckIn,
    ConsentKind,
    SyncedVisitFacts,
    check_synced_visit_facts,
)
from server.compliance.engine.verdicts import Rule

from .support import KOLKATA, LONDON, NEW_YORK, SHANGHAI, TWO_ZONES, address, at, consent, debtor

CN, US, IN, UK = (SEEDED[c] for c in ("CN", "US", "IN", "UK"))


def pair(tz, hour=10, minute=0, offset=timedelta(0)):
    arrival = at(tz, 2025, 6, 12, hour, minute)
    return (
        CheckIn("C1", arrival, offset),
        CheckIn("C2", arrival + timedelta(minutes=1), offset),
    )


def synced(tz, check_ins=None, **kw):
    check_ins = pair(tz) if check_ins is None else check_ins
    if "recording_device_at" not in kw and check_ins:
        kw["recording_device_at"] = check_ins[0].device_at + timedelta(minutes=2)
    return SyncedVisitFacts("V1", "P1", "D1", check_ins, **kw)


def recorded_ok(tz):
    return [consent(ConsentKind.RECORDING, at(tz, 2025, 6, 12, 9))]


def judge(profile, tz, visit, consents=None, who=None):
    consents = recorded_ok(tz) if consents is None else consents
    return check_synced_visit_facts(profile, visit, who or debtor(), address(tz), consents)


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_daytime_two_person_recorded_visit_raises_no_flag(tz):
    assert judge(CN, tz, synced(tz)).findings == ()


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_check_in_at_22_40_is_a_quiet_hours_violation_under_cn(tz):
    result = judge(CN, tz, synced(tz, pair(tz, 22, 40)), consents=[])
    (finding,) = result.of(Rule.QUIET)
    assert finding.details["local_time"] == "2025-06-12T22:40:00"
    assert [c["collector_id"] for c in finding.details["check_ins"]] == ["C1", "C2"]
    assert judge(CN, tz, synced(tz, pair(tz, 21, 40)), consents=[]).of(Rule.QUIET) == ()


def test_check_in_at_22_40_shanghai_is_a_quiet_hours_violation():
    result = judge(CN, SHANGHAI, synced(SHANGHAI, pair(SHANGHAI, 22, 40)))
    assert result.rules == {Rule.QUIET} and result.blocked


def test_a_device_clock_ten_minutes_slow_turns_a_21_55_check_in_into_a_late_one():
    slow = pair(SHANGHAI, 21, 55, offset=timedelta(minutes=10))
    result = judge(CN, SHANGHAI, synced(SHANGHAI, slow))
    (finding,) = result.of(Rule.QUIET)
    assert finding.details["local_time"] == "2025-06-12T22:05:00"
    assert finding.details["clock_corrected"] is True
    assert result.context["check_in_clock_offsets"] == {"C1": 600.0, "C2": 600.0}


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_one_person_visit_is_flagged_under_cn_but_not_under_us(tz):
    alone = synced(tz, pair(tz)[:1])
    (finding,) = judge(CN, tz, alone).findings
    assert finding.rule == Rule.TWO_PERSON and finding.details["stage"] == "checked in"
    assert judge(US, tz, alone).findings == ()


def test_one_collector_checking_in_twice_is_still_a_one_person_visit():
    twice = (CheckIn("C1", at(SHANGHAI, 2025, 6, 12, 10)),) * 2
    assert judge(CN, SHANGHAI, synced(SHANGHAI, twice)).rules == {Rule.TWO_PERSON}


@pytest.mark.parametrize(("profile", "tz"), [(CN, SHANGHAI), (IN, KOLKATA), (CN, NEW_YORK)])
def test_a_recording_without_a_prior_recording_consent_is_flagged(profile, tz):
    (finding,) = judge(profile, tz, synced(tz), consents=[]).findings
    assert (finding.rule, finding.severity) == (Rule.RECORDING, "block")
    late_consent = [consent(ConsentKind.RECORDING, at(tz, 2025, 6, 12, 10, 30))]
    assert judge(profile, tz, synced(tz), consents=late_consent).rules == {Rule.RECORDING}


def test_recording_time_uses_the_corrected_device_clock_against_the_consent_time():
    given = [consent(ConsentKind.RECORDING, at(SHANGHAI, 2025, 6, 12, 10, 5))]
    visit = synced(SHANGHAI, recording_device_at=at(SHANGHAI, 2025, 6, 12, 10, 2))
    assert judge(CN, SHANGHAI, visit, consents=given).rules == {Rule.RECORDING}
    fixed = synced(
        SHANGHAI,
        recording_device_at=at(SHANGHAI, 2025, 6, 12, 10, 2),
        clock_offset=timedelta(minutes=4),
    )
    result = judge(CN, SHANGHAI, fixed, consents=given)
    assert result.findings == () and result.context["clock_corrected"] is True


def test_a_cn_visit_with_no_recording_at_all_gets_a_warning():
    result = judge(CN, SHANGHAI, synced(SHANGHAI, recording_device_at=None))
    (finding,) = result.findings
    assert (finding.rule, finding.severity, result.allowed) == (Rule.RECORDING, "warn", True)
    assert judge(US, NEW_YORK, synced(NEW_YORK, recording_device_at=None)).findings == ()


@pytest.mark.parametrize(("profile", "tz"), [(CN, SHANGHAI), (US, NEW_YORK), (UK, LONDON)])
def test_debt_details_told_to_a_third_party_are_flagged_and_locating_is_fine(profile, tz):
    told = synced(tz, outcome="THIRD_PARTY_MET", discussed_debt=True)
    (finding,) = judge(profile, tz, told).findings
    assert finding.rule == Rule.THIRD_PARTY
    located = synced(tz, outcome="THIRD_PARTY_MET", discussed_debt=False)
    assert judge(profile, tz, located).findings == ()


def test_a_visit_made_despite_a_cease_request_is_flagged():
    result = judge(US, NEW_YORK, synced(NEW_YORK), who=debtor(cease_channels=frozenset({"all"})))
    assert result.rules == {Rule.CEASE}


def test_every_problem_of_one_visit_is_flagged_together():
    bad = synced(SHANGHAI, pair(SHANGHAI, 23)[:1], outcome="THIRD_PARTY_MET", discussed_debt=True)
    result = judge(CN, SHANGHAI, bad, consents=[])
    assert result.rules == {Rule.QUIET, Rule.TWO_PERSON, Rule.RECORDING, Rule.THIRD_PARTY}
    assert [f["rule"] for f in result.to_dict()["findings"]] == [
        "QUIET",
        "TWO_PERSON",
        "RECORDING",
        "THIRD_PARTY",
    ]
