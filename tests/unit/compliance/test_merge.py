from dataclasses import replace
from datetime import time

import pytest

from server.compliance.engine import SEEDED, ProfileInvalid, RollingCap, TimeWindow, merge_strictest

CN, US, US_MA, IN, UK = (SEEDED[c] for c in ("CN", "US", "US-MA", "IN", "UK"))


def test_us_with_massachusetts_takes_the_massachusetts_caps_and_names_it():
    merged = merge_strictest([US, US_MA])
    assert merged.code == "US+US-MA"
    assert merged.visit_caps == (RollingCap(1, 30, consent_exempt=True),)
    assert merged.call_caps == (RollingCap(2, 7),)
    assert merged.sources["visit_caps"] == ("US-MA",)
    assert merged.sources["call_caps"] == ("US-MA",)
    assert merged.sources["quiet_hours"] == ("US", "US-MA")


def test_cn_with_uk_intersects_allowed_hours_and_keeps_each_stricter_rule():
    merged = merge_strictest([CN, UK])
    assert merged.quiet_hours == (TimeWindow(time(21), time(8)),)
    assert merged.sources["quiet_hours"] == ("UK",)
    assert merged.two_person_min == 2 and merged.sources["two_person_min"] == ("CN",)
    assert merged.workplace_visits == "block" and merged.sources["workplace_visits"] == ("UK",)
    assert merged.retention_years == 6 and merged.sources["retention_years"] == ("UK",)
    assert merged.recording_consent_required and merged.sources["recording_consent_required"] == (
        "CN",
    )
    assert merged.call_unanswered_per_number_per_day == 6


def test_disjoint_quiet_periods_both_stay_quiet_and_name_both_sources():
    lunch = replace(UK, code="LUNCH", quiet_hours=(TimeWindow(time(12), time(14)),))
    merged = merge_strictest([CN, lunch])
    assert merged.quiet_hours == (
        TimeWindow(time(12), time(14)),
        TimeWindow(time(22), time(8)),
    )
    assert merged.sources["quiet_hours"] == ("CN", "LUNCH")


def test_overlapping_quiet_periods_join_across_midnight():
    late = replace(UK, code="LATE", quiet_hours=(TimeWindow(time(0), time(9)),))
    assert merge_strictest([CN, late]).quiet_hours == (TimeWindow(time(22), time(9)),)


def test_caps_over_different_spans_all_apply_unless_one_is_tighter_everywhere():
    monthly = replace(US, code="M", call_caps=(RollingCap(5, 30),))
    assert merge_strictest([US_MA, monthly]).call_caps == (RollingCap(2, 7), RollingCap(5, 30))
    assert merge_strictest([US, monthly]).call_caps == (RollingCap(5, 30),)
    b = replace(US, code="B", call_caps=(RollingCap(7, 7, consent_exempt=True),))
    assert merge_strictest([US, b]).call_caps == (RollingCap(7, 7),)


def test_block_beats_warn_only_among_profiles_that_have_the_interval_rule():
    blocky_but_off = replace(US, code="X", visit_interval_days=0, visit_interval_severity="block")
    assert merge_strictest([CN, blocky_but_off]).visit_interval_severity == "warn"
    blocky = replace(US, code="Y", visit_interval_days=3, visit_interval_severity="block")
    merged = merge_strictest([CN, blocky])
    assert (merged.visit_interval_days, merged.visit_interval_severity) == (7, "block")


def test_smaller_optional_caps_win_and_absent_caps_do_not_loosen_them():
    merged = merge_strictest([US, CN, replace(CN, code="CN2", call_connected_per_debtor_per_day=2)])
    assert merged.call_connected_per_debtor_per_day == 2
    assert merged.sources["call_connected_per_debtor_per_day"] == ("CN2",)
    assert merged.training_max_age_days == 365


def test_india_with_china_uses_the_earlier_evening_and_the_sensitive_block():
    merged = merge_strictest([CN, IN])
    assert merged.quiet_hours == (TimeWindow(time(19), time(8)),)
    assert merged.sensitive_holds == "block"
    assert merged.retention_years == 5


def test_a_single_profile_merges_to_itself_with_itself_as_every_source():
    merged = merge_strictest([CN])
    assert merged == CN
    assert set(merged.sources["quiet_hours"]) == {"CN"}


def test_merged_profile_is_storable():
    merged = merge_strictest([CN, UK, US])
    stored = merged.to_dict()
    assert stored["sources"]["quiet_hours"] == ["UK", "US"]
    assert type(merged).from_dict(stored) == merged


def test_merging_nothing_is_refused():
    with pytest.raises(ProfileInvalid):
        merge_strictest([])
