from dataclasses import replace
from datetime import date, timedelta

import pytest

from server.compliance.engine import SEEDED, CollectorFacts, ConsentKind, check_assignment
from server.compliance.engine.verdicts import Rule

from .support import (
    KOLKATA,
    LONDON,
    NEW_YORK,
    SHANGHAI,
    TWO_ZONES,
    address,
    at,
    consent,
    debtor,
    good_collector,
    plan,
    visit_attempt,
)

CN, US, US_MA, IN, UK = (SEEDED[c] for c in ("CN", "US", "US-MA", "IN", "UK"))
DAY = date(2025, 6, 10)
CREW = [good_collector("C1"), good_collector("C2")]


def assign(profile, tz, *, visit=None, who=None, where=None, crew=CREW, attempts=(), consents=()):
    visit = visit or plan(tz, DAY)
    now = visit.window_start_utc - timedelta(days=3)
    return check_assignment(
        profile, visit, who or debtor(), where or address(tz), crew, attempts, consents, now
    )


@pytest.mark.parametrize("profile", [CN, US, US_MA, IN, UK])
@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_daytime_two_person_visit_with_clean_facts_has_no_findings(profile, tz):
    result = assign(profile, tz)
    assert result.findings == ()
    assert result.context["local_date"] == str(DAY)


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_visit_window_reaching_past_22_00_is_blocked_under_cn(tz):
    result = assign(CN, tz, visit=plan(tz, DAY, hour=21, hours=2))
    assert result.rules == {Rule.QUIET} and result.blocked
    assert result.unresolved_blocks({"QUIET": "debtor asked for a late visit"}) == ()
    assert result.unresolved_blocks({"QUIET": "  "}) == result.findings


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_late_visit_the_debtor_agreed_to_passes_the_quiet_hours_check(tz):
    visit = plan(tz, DAY, hour=21, hours=2)
    agreed = consent(
        ConsentKind.CONTACT_TIME,
        at(tz, 2025, 6, 1),
        window=(visit.window_start_utc, visit.window_end_utc),
    )
    assert assign(CN, tz, visit=visit, consents=[agreed]).findings == ()


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_one_collector_assignment_is_blocked_under_cn_but_fine_under_us(tz):
    alone = plan(tz, DAY, collectors=("C1",))
    (finding,) = assign(CN, tz, visit=alone).findings
    assert (finding.rule, finding.details["count"], finding.details["required"]) == (
        Rule.TWO_PERSON,
        1,
        2,
    )
    assert assign(US, tz, visit=alone).findings == ()


def test_the_same_collector_twice_does_not_make_two_people():
    result = assign(CN, SHANGHAI, visit=plan(SHANGHAI, DAY, collectors=("C1", "C1")))
    assert result.rules == {Rule.TWO_PERSON}


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_massachusetts_blocks_a_second_visit_within_thirty_local_days(tz):
    previous = [visit_attempt(tz, DAY - timedelta(days=29))]
    (finding,) = assign(US_MA, tz, attempts=previous).findings
    assert finding.rule == Rule.VISIT_CAP and finding.details["count"] == 1
    assert assign(US_MA, tz, attempts=[visit_attempt(tz, DAY - timedelta(days=30))]).findings == ()


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_written_consent_lifts_the_massachusetts_visit_cap_but_verbal_does_not(tz):
    previous = [visit_attempt(tz, DAY - timedelta(days=3))]
    given = at(tz, 2025, 6, 1)
    written = consent(ConsentKind.EXTRA_VISITS, given, method="written")
    verbal = consent(ConsentKind.EXTRA_VISITS, given, method="verbal")
    assert assign(US_MA, tz, attempts=previous, consents=[written]).findings == ()
    assert assign(US_MA, tz, attempts=previous, consents=[verbal]).rules == {Rule.VISIT_CAP}


def test_a_late_new_york_visit_thirty_local_days_ago_is_outside_the_cap_though_its_utc_day_is_in():
    late = visit_attempt(NEW_YORK, DAY - timedelta(days=30), hour=23)
    assert late.at_utc.date() == DAY - timedelta(days=29)
    assert assign(US_MA, NEW_YORK, attempts=[late]).findings == ()


def test_an_early_shanghai_visit_twenty_nine_local_days_ago_counts_though_its_utc_date_does_not():
    early = visit_attempt(SHANGHAI, DAY - timedelta(days=29), hour=7)
    assert early.at_utc.date() == DAY - timedelta(days=30)
    assert assign(US_MA, SHANGHAI, attempts=[early]).rules == {Rule.VISIT_CAP}


def test_a_visit_already_planned_later_counts_against_the_rolling_cap_too():
    later = visit_attempt(NEW_YORK, DAY + timedelta(days=10))
    assert assign(US_MA, NEW_YORK, attempts=[later]).rules == {Rule.VISIT_CAP}


@pytest.mark.parametrize("tz", TWO_ZONES)
def test_a_visit_six_days_after_the_last_one_warns_under_cn_and_seven_days_is_fine(tz):
    result = assign(CN, tz, attempts=[visit_attempt(tz, DAY - timedelta(days=6))])
    (finding,) = result.findings
    assert (finding.rule, finding.severity, result.allowed) == (Rule.VISIT_INTERVAL, "warn", True)
    assert assign(CN, tz, attempts=[visit_attempt(tz, DAY - timedelta(days=7))]).findings == ()


def test_visit_interval_counts_only_visits_on_the_same_product():
    other = visit_attempt(SHANGHAI, DAY - timedelta(days=1), debt_id="D2")
    assert assign(CN, SHANGHAI, attempts=[other]).findings == ()


def test_re_checking_an_existing_visit_does_not_count_it_against_itself():
    same = replace(visit_attempt(SHANGHAI, DAY), attempt_id="V-new")
    assert assign(CN, SHANGHAI, attempts=[same]).findings == ()


def test_a_profile_may_make_the_visit_interval_block():
    strict = replace(CN, visit_interval_severity="block")
    result = assign(strict, SHANGHAI, attempts=[visit_attempt(SHANGHAI, DAY - timedelta(days=2))])
    assert result.blocked


@pytest.mark.parametrize(("profile", "tz"), [(UK, LONDON), (CN, SHANGHAI)])
def test_no_visit_to_a_debtor_flagged_vulnerable(profile, tz):
    (finding,) = assign(profile, tz, who=debtor(vulnerable=True)).findings
    assert finding.rule == Rule.VULNERABLE and finding.details["reason"] == "vulnerable"


@pytest.mark.parametrize(("profile", "tz"), [(UK, LONDON), (US, NEW_YORK)])
def test_no_visit_during_an_open_dispute_unless_the_debtor_agreed(profile, tz):
    disputing = debtor(dispute_open=True)
    assert assign(profile, tz, who=disputing).rules == {Rule.VULNERABLE}
    agreed = consent(ConsentKind.VISIT_DURING_DISPUTE, at(tz, 2025, 6, 1))
    assert assign(profile, tz, who=disputing, consents=[agreed]).findings == ()


@pytest.mark.parametrize(("profile", "tz"), [(UK, LONDON), (US, NEW_YORK)])
def test_a_workplace_visit_is_blocked_unless_the_debtor_consented(profile, tz):
    work = address(tz, kind="work")
    assert assign(profile, tz, where=work).rules == {Rule.WORKPLACE}
    agreed = consent(ConsentKind.WORKPLACE_VISIT, at(tz, 2025, 6, 1))
    assert assign(profile, tz, where=work, consents=[agreed]).findings == ()


def test_a_withdrawn_workplace_consent_no_longer_counts():
    agreed = consent(
        ConsentKind.WORKPLACE_VISIT, at(LONDON, 2025, 6, 1), withdrawn_at=at(LONDON, 2025, 6, 2)
    )
    assert assign(UK, LONDON, where=address(LONDON, "work"), consents=[agreed]).blocked


@pytest.mark.parametrize("tz", [KOLKATA, LONDON])
def test_india_blocks_visits_until_the_end_of_a_bereavement_hold(tz):
    held = debtor(hold_until=DAY, hold_reason="bereavement")
    (finding,) = assign(IN, tz, who=held).findings
    assert (finding.rule, finding.severity) == (Rule.SENSITIVE, "block")
    assert "bereavement" in finding.message
    after = plan(tz, DAY + timedelta(days=1))
    assert assign(IN, tz, who=held, visit=after).findings == ()


def test_a_hold_only_warns_where_the_profile_does_not_mandate_it():
    held = debtor(hold_until=DAY, hold_reason="wedding")
    result = assign(CN, SHANGHAI, who=held)
    assert result.rules == {Rule.SENSITIVE} and result.allowed


@pytest.mark.parametrize(("profile", "tz"), [(CN, SHANGHAI), (IN, KOLKATA)])
def test_collector_credentials_must_be_valid_on_the_visit_day(profile, tz):
    expired = replace(good_collector("C2"), certification_expires_on=DAY - timedelta(days=1))
    stale = replace(good_collector("C2"), training_completed_on=DAY - timedelta(days=366))
    no_id = replace(good_collector("C2"), has_id_number=False)
    for bad in (expired, stale, no_id):
        (finding,) = assign(profile, tz, crew=[CREW[0], bad]).findings
        assert finding.rule == Rule.CREDENTIALS and finding.details["collector_id"] == "C2"
    last_day = replace(good_collector("C2"), certification_expires_on=DAY)
    assert assign(profile, tz, crew=[CREW[0], last_day]).findings == ()


def test_a_collector_without_credentials_on_file_is_blocked_where_credentials_are_required():
    result = assign(IN, KOLKATA, crew=[CREW[0]])
    (finding,) = result.findings
    assert finding.details["problems"] == ["no credentials on file"]
    assert assign(US, NEW_YORK, crew=[CollectorFacts("C1"), CollectorFacts("C2")]).findings == ()


@pytest.mark.parametrize("tz", TWO_ZONES)
@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"attorney_represented": True}, "attorney_represented"),
        ({"cease_channels": frozenset({"all"})}, "cease_request"),
        ({"cease_channels": frozenset({"visit"})}, "debtor_channel_opt_out"),
    ],
)
def test_a_cease_request_attorney_or_visit_opt_out_blocks_the_visit(tz, facts, reason):
    (finding,) = assign(US, tz, who=debtor(**facts)).findings
    assert finding.rule == Rule.CEASE and finding.details["reasons"] == [reason]


def test_opting_out_of_calls_does_not_stop_a_visit():
    assert assign(US, NEW_YORK, who=debtor(cease_channels=frozenset({"call"}))).findings == ()


@pytest.mark.parametrize("tz", [LONDON, SHANGHAI])
def test_a_visit_too_soon_to_announce_warns_unless_notice_was_given(tz):
    visit = plan(tz, DAY)
    now = visit.window_start_utc - timedelta(hours=2)
    verdict = check_assignment(UK, visit, debtor(), address(tz), CREW, [], [], now)
    assert verdict.rules == {Rule.NOTICE} and verdict.allowed
    told = replace(visit, notice_given_at=visit.window_start_utc - timedelta(days=2))
    assert check_assignment(UK, told, debtor(), address(tz), CREW, [], [], now).findings == ()
