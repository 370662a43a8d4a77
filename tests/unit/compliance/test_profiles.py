import json
from datetime import time
from decimal import Decimal

import pytest

from server.compliance.engine import (
    SEEDED,
    Profile,
    ProfileInvalid,
    RollingCap,
    TimeWindow,
    seeded_profile,
)


@pytest.mark.parametrize("code", sorted(SEEDED))
def test_every_seeded_profile_survives_a_json_round_trip(code):
    profile = SEEDED[code]
    stored = json.loads(json.dumps(profile.to_dict()))
    assert Profile.from_dict(stored) == profile


def test_cn_is_the_default_profile_with_the_spec_defaults():
    cn = seeded_profile()
    assert cn.code == "CN"
    assert cn.quiet_hours == (TimeWindow(time(22), time(8)),)
    assert cn.two_person_min == 2
    assert (cn.visit_interval_days, cn.visit_interval_severity) == (7, "warn")
    assert cn.call_unanswered_per_number_per_day == 6
    assert cn.call_connected_per_debtor_per_day == 3
    assert cn.recording_consent_required and cn.block_expired_certification
    assert cn.training_max_age_days == 365
    assert cn.retention_years == 3


def test_seeded_jurisdictions_carry_their_own_defaults():
    assert SEEDED["US"].quiet_hours == (TimeWindow(time(21), time(8)),)
    assert SEEDED["US"].call_caps == (RollingCap(7, 7),)
    assert SEEDED["US"].call_silence_after_conversation_days == 7
    assert SEEDED["US-MA"].visit_caps == (RollingCap(1, 30, consent_exempt=True),)
    assert SEEDED["IN"].quiet_hours == (TimeWindow(time(19), time(8)),)
    assert SEEDED["IN"].sensitive_holds == "block"
    assert SEEDED["UK"].workplace_visits == "block"
    assert SEEDED["UK"].notice_hours > 0


def test_unknown_seeded_code_names_the_known_ones():
    with pytest.raises(KeyError, match="US-MA"):
        seeded_profile("FR")


def test_stored_profile_missing_a_parameter_names_that_field():
    stored = SEEDED["CN"].to_dict()
    del stored["quiet_hours"]
    with pytest.raises(ProfileInvalid) as caught:
        Profile.from_dict(stored)
    assert caught.value.errors == {"quiet_hours": "missing"}


def test_stored_profile_errors_list_every_bad_field_at_once():
    stored = {
        **SEEDED["CN"].to_dict(),
        "two_person_min": 0,
        "quiet_hours": ["22:00"],
        "workplace_visits": "sometimes",
        "promise_amount_tolerance": "1.5",
        "call_caps": [{"count": 7, "days": 0}],
        "honor_cease_requests": "yes",
        "surprise": 1,
    }
    with pytest.raises(ProfileInvalid) as caught:
        Profile.from_dict(stored)
    assert set(caught.value.errors) == {
        "two_person_min",
        "quiet_hours",
        "workplace_visits",
        "promise_amount_tolerance",
        "call_caps",
        "honor_cease_requests",
        "surprise",
    }
    assert caught.value.errors["surprise"] == "unknown parameter"


def test_building_a_profile_in_code_is_validated_too():
    with pytest.raises(ProfileInvalid) as caught:
        Profile(code="X", name="x", visit_interval_severity="maybe", retention_years=-1)
    assert set(caught.value.errors) == {"visit_interval_severity", "retention_years"}


def test_a_profile_that_is_not_an_object_is_refused():
    with pytest.raises(ProfileInvalid):
        Profile.from_dict(["CN"])


def test_time_window_reads_both_spellings_and_knows_when_it_wraps():
    assert TimeWindow.parse("22:00-08:00") == TimeWindow.parse(["22:00", "08:00"])
    assert TimeWindow.parse("22:00-08:00").pieces() == [(22 * 3600, 86400), (0, 8 * 3600)]
    assert TimeWindow.parse("09:00-17:30").pieces() == [(9 * 3600, 17 * 3600 + 1800)]
    assert TimeWindow.parse("00:00-00:00").pieces() == [(0, 86400)]
    assert TimeWindow.parse(["07:59:59", "08:00"]).to_json() == ["07:59:59", "08:00"]


def test_promise_parameters_are_stored_as_decimal_strings():
    stored = SEEDED["CN"].to_dict()
    assert stored["promise_amount_tolerance"] == "0.01"
    assert Profile.from_dict(stored).promise_amount_tolerance == Decimal("0.01")
    assert stored["promise_grace_days"] == 3


def test_stored_sources_must_map_parameters_to_profile_codes():
    stored = {**SEEDED["CN"].to_dict(), "sources": {"quiet_hours": "CN"}}
    with pytest.raises(ProfileInvalid) as caught:
        Profile.from_dict(stored)
    assert "sources" in caught.value.errors
