from dataclasses import replace
from datetime import timedelta

import pytest

from server.compliance.engine import SEEDED, CallPlan, ConsentKind, RollingCap, check_call
from server.compliance.engine.verdicts import Rule

from .support import NEW_YORK, SHANGHAI, TWO_ZONES, at, call_attempt, consent, debtor

CN, US, US_MA = (SEEDED[c] for c in ("CN", "US", "US-MA"))


def call_at(tz, day=12, hour=10, channel="call", **kw):
    return CallPlan(at(tz, 2025, 6, day, hour), "P1", "D1", "N1", channel, **kw)


def variants(verdict):
    return sorted(f.details["variant"] for f in verdict.of(Rule.CALL_CAP))


def earlier_today(tz, n, connected=False, **kw):
    return [call_attempt(at(tz, 2025, 6, 12, 8, 10 + i), connected, **kw) for i in range(n)]


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_seventh_attempt_after_six_unanswered_calls_to_one_number_is_blocked_under_cn(tz):
    result = check_call(CN, call_at(tz), debtor(), tz, earlier_today(tz, 6), [])
    assert variants(result) == ["unanswered_per_number"]
    assert check_call(CN, call_at(tz), debtor(), tz, earlier_today(tz, 5), []).findings == ()


def test_unanswered_calls_to_another_number_do_not_count_towards_this_number():
    other = earlier_today(SHANGHAI, 6, contact_point_id="N2")
    assert check_call(CN, call_at(SHANGHAI), debtor(), SHANGHAI, other, []).findings == ()


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_three_connected_calls_in_a_day_across_debts_and_numbers_stop_further_calls_under_cn(tz):
    talks = [
        call_attempt(at(tz, 2025, 6, 12, 9), True, debt_id="D1", contact_point_id="N1"),
        call_attempt(at(tz, 2025, 6, 12, 9, 30), True, debt_id="D2", contact_point_id="N2"),
        call_attempt(at(tz, 2025, 6, 12, 9, 45), True, debt_id="D3", contact_point_id="N3"),
    ]
    assert variants(check_call(CN, call_at(tz), debtor(), tz, talks, [])) == [
        "connected_per_debtor"
    ]
    assert check_call(CN, call_at(tz), debtor(), tz, talks[:2], []).findings == ()


def test_connected_calls_late_yesterday_in_new_york_do_not_count_today_though_utc_says_same_day():
    late = [call_attempt(at(NEW_YORK, 2025, 6, 11, 20, 30 + i), True) for i in range(3)]
    today = call_at(NEW_YORK, hour=9)
    assert {a.at_utc.date() for a in late} == {today.at_utc.date()}
    assert check_call(CN, today, debtor(), NEW_YORK, late, []).findings == ()


def test_connected_calls_early_today_in_shanghai_count_though_utc_says_yesterday():
    early = [call_attempt(at(SHANGHAI, 2025, 6, 12, 7, 10 + i), True) for i in range(3)]
    today = call_at(SHANGHAI, hour=9)
    assert {a.at_utc.date() for a in early} == {today.at_utc.date() - timedelta(days=1)}
    assert variants(check_call(CN, today, debtor(), SHANGHAI, early, [])) == [
        "connected_per_debtor"
    ]


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_an_eighth_call_on_one_debt_within_seven_local_days_is_blocked_under_us(tz):
    week = [call_attempt(at(tz, 2025, 6, 6 + i, 10)) for i in range(7)]  # 6th..12th
    assert variants(check_call(US, call_at(tz, day=12, hour=15), debtor(), tz, week, [])) == [
        "per_person_per_debt"
    ]
    shifted = [call_attempt(at(tz, 2025, 6, 5 + i, 10)) for i in range(7)]  # 5th..11th
    assert check_call(US, call_at(tz, day=12, hour=15), debtor(), tz, shifted, []).findings == ()


def test_a_new_york_call_at_23_30_seven_local_days_back_is_outside_the_rolling_week():
    week = [call_attempt(at(NEW_YORK, 2025, 6, 5, 23, 30))]
    week += [call_attempt(at(NEW_YORK, 2025, 6, 7 + i, 10)) for i in range(6)]
    assert week[0].at_utc.date().day == 6  # by UTC it would sit inside the window
    assert check_call(US, call_at(NEW_YORK), debtor(), NEW_YORK, week, []).findings == ()


def test_calls_on_another_debt_or_to_another_person_do_not_count_towards_this_cap():
    mixed = [call_attempt(at(NEW_YORK, 2025, 6, 6 + i, 10), debt_id="D2") for i in range(7)]
    mixed += [call_attempt(at(NEW_YORK, 2025, 6, 6 + i, 11), party_id="P2") for i in range(7)]
    assert check_call(US, call_at(NEW_YORK, hour=15), debtor(), NEW_YORK, mixed, []).findings == ()


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_no_call_for_seven_days_after_a_conversation_under_us(tz):
    talk = [call_attempt(at(tz, 2025, 6, 6, 10), True)]
    assert variants(check_call(US, call_at(tz, day=12), debtor(), tz, talk, [])) == [
        "silence_after_conversation"
    ]
    assert check_call(US, call_at(tz, day=13), debtor(), tz, talk, []).findings == ()


def test_massachusetts_allows_only_two_calls_in_seven_days():
    two = [call_attempt(at(NEW_YORK, 2025, 6, 8, 10)), call_attempt(at(NEW_YORK, 2025, 6, 10, 10))]
    assert variants(check_call(US_MA, call_at(NEW_YORK), debtor(), NEW_YORK, two, [])) == [
        "per_person_per_debt"
    ]
    assert check_call(US_MA, call_at(NEW_YORK), debtor(), NEW_YORK, two[:1], []).findings == ()


def test_consent_lifts_only_caps_marked_consent_exempt():
    exempt = replace(US, call_caps=(RollingCap(1, 7, consent_exempt=True),))
    one = [call_attempt(at(NEW_YORK, 2025, 6, 10, 10))]
    agreed = [consent(ConsentKind.EXTRA_CALLS, at(NEW_YORK, 2025, 6, 11))]
    assert check_call(exempt, call_at(NEW_YORK), debtor(), NEW_YORK, one, agreed).findings == ()
    assert check_call(US_MA, call_at(NEW_YORK), debtor(), NEW_YORK, one * 2, agreed).blocked


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_an_attorney_or_cease_request_stops_calls_and_messages(tz):
    for facts in ({"attorney_represented": True}, {"cease_channels": frozenset({"all"})}):
        for channel in ("call", "sms"):
            result = check_call(US, call_at(tz, channel=channel), debtor(**facts), tz, [], [])
            assert result.rules == {Rule.CEASE}


def test_a_channel_opt_out_stops_only_that_channel():
    no_sms = debtor(cease_channels=frozenset({"sms"}))
    assert check_call(US, call_at(NEW_YORK, channel="sms"), no_sms, NEW_YORK, [], []).blocked
    assert check_call(US, call_at(NEW_YORK), no_sms, NEW_YORK, [], []).allowed


def test_a_number_opted_out_of_calls_cannot_be_called():
    plan = call_at(SHANGHAI, contact_point_opt_outs=frozenset({"call"}))
    (finding,) = check_call(CN, plan, debtor(), SHANGHAI, [], []).findings
    assert finding.details["reasons"] == ["contact_point_opt_out"]


@pytest.mark.parametrize(("profile", "tz"), [(US, NEW_YORK), (CN, SHANGHAI)])
def test_calls_and_messages_in_quiet_hours_are_blocked(profile, tz):
    for channel in ("call", "sms"):
        late = check_call(profile, call_at(tz, hour=22, channel=channel), debtor(), tz, [], [])
        assert late.rules == {Rule.QUIET}
        assert late.of(Rule.QUIET)[0].details["channel"] == channel


def test_a_call_follow_up_uses_the_corrected_clock_for_quiet_hours_and_caps():
    plan = call_at(NEW_YORK, day=12, hour=20)
    result = check_call(US, plan, debtor(), NEW_YORK, [], [], clock_offset=timedelta(hours=1))
    assert result.rules == {Rule.QUIET}
    assert result.context["clock_corrected"] is True
    talk = [call_attempt(at(NEW_YORK, 2025, 6, 6, 10), True)]
    back = call_at(NEW_YORK, day=13, hour=10)
    shifted = check_call(US, back, debtor(), NEW_YORK, talk, [], clock_offset=timedelta(days=-1))
    assert variants(shifted) == ["silence_after_conversation"]
