"""Rule profiles: one jurisdiction's (or lender's) compliance parameters as plain, storable data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from server.errors import InvalidInput

from .params import (
    RollingCap,
    TimeWindow,
    read_bool,
    read_decimal,
    read_int,
    read_opt_int,
    read_str,
)

ENFORCEMENTS = ("off", "warn", "block")
# Parameters added after profiles were first stored: a stored profile without them has the
# default ("none" for the complaint clocks).
ADDED_LATER = frozenset({"complaint_decide_days", "complaint_complex_days",
                         "complaint_extension_days", "promise_max_days"})
SEVERITIES = ("warn", "block")


class ProfileInvalid(InvalidInput):
    """A profile's parameters are missing, unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Profile:
    """Every compliance parameter of one jurisdiction/lender; defaults are "no restriction"."""

    code: str
    name: str
    references: tuple[str, ...] = ()
    quiet_hours: tuple[TimeWindow, ...] = ()
    two_person_min: int = 1
    visit_caps: tuple[RollingCap, ...] = ()
    visit_interval_days: int = 0
    visit_interval_severity: str = "warn"
    call_unanswered_per_number_per_day: int | None = None
    call_connected_per_debtor_per_day: int | None = None
    call_caps: tuple[RollingCap, ...] = ()
    call_silence_after_conversation_days: int = 0
    honor_cease_requests: bool = False
    attorney_blocks_contact: bool = False
    honor_channel_opt_outs: bool = False
    third_party_locate_only: bool = False
    block_vulnerable_visits: bool = False
    block_visits_during_dispute: bool = False
    workplace_visits: str = "off"
    sensitive_holds: str = "off"
    notice_hours: int = 0
    block_expired_certification: bool = False
    training_max_age_days: int | None = None
    require_collector_id: bool = False
    recording_required: bool = False
    recording_consent_required: bool = False
    retention_years: int = 0
    promise_amount_tolerance: Decimal = Decimal("0")
    promise_grace_days: int = 0
    # A promise (made on a device) is due at most this many days after the day it was made.
    promise_max_days: int = 366
    # COMPLAINT clocks (days from receipt): decide, decide when complex, one approved extension.
    complaint_decide_days: int | None = None
    complaint_complex_days: int | None = None
    complaint_extension_days: int | None = None
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        errors = {name: msg for name, check in _CHECKS.items() if (msg := check(self)) is not None}
        if errors:
            raise ProfileInvalid(f"profile {self.code!r} is invalid", errors)

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as JSON-ready data (the schema `from_dict` reads)."""
        out = {f.name: _CODECS[f.name][1](getattr(self, f.name)) for f in _stored_fields()}
        if self.sources:
            out["sources"] = {name: list(codes) for name, codes in self.sources.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Read a stored profile; every parameter must be present; errors name their field."""
        if not isinstance(data, Mapping):
            raise ProfileInvalid("a profile is a JSON object", {"_schema": "expected an object"})
        names = {f.name for f in _stored_fields()}
        errors = {key: "unknown parameter" for key in data if key not in names | {"sources"}}
        values: dict[str, Any] = {}
        for name in sorted(names):
            if name not in data and name in ADDED_LATER:
                continue  # stored before the parameter existed: its default
            if name not in data:
                errors[name] = "missing"
                continue
            try:
                values[name] = _CODECS[name][0](data[name])
            except (ValueError, TypeError, InvalidOperation) as exc:
                errors[name] = str(exc) or "invalid value"
        # Range checks also run on what did parse, so one answer lists every bad field.
        candidate = SimpleNamespace(**{f.name: f.default for f in _stored_fields()} | values)
        for name, check in _CHECKS.items():
            if name in values and (msg := check(candidate)) is not None:
                errors[name] = msg
        if errors:
            raise ProfileInvalid(f"profile {data.get('code')!r} is invalid", errors)
        return cls(**values, sources=_read_sources(data.get("sources") or {}))


def _read_sources(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping) or not all(
        isinstance(v, list | tuple) for v in value.values()
    ):
        raise ProfileInvalid("bad sources", {"sources": "expected {parameter: [profile codes]}"})
    return {name: tuple(read_str(code) for code in codes) for name, codes in value.items()}


def _stored_fields() -> list:
    return [f for f in fields(Profile) if f.name != "sources"]


def _list_of(parse: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    def read(value: Any) -> tuple:
        if not isinstance(value, list | tuple):
            raise ValueError("expected a list")
        return tuple(parse(item) for item in value)

    return read


_SAME = lambda v: v  # noqa: E731 - identity dump for JSON-native values
_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "code": (read_str, _SAME),
    "name": (read_str, _SAME),
    "references": (_list_of(read_str), list),
    "quiet_hours": (_list_of(TimeWindow.parse), lambda v: [w.to_json() for w in v]),
    "visit_caps": (_list_of(RollingCap.parse), lambda v: [c.to_json() for c in v]),
    "call_caps": (_list_of(RollingCap.parse), lambda v: [c.to_json() for c in v]),
    "visit_interval_severity": (read_str, _SAME),
    "workplace_visits": (read_str, _SAME),
    "sensitive_holds": (read_str, _SAME),
    "call_unanswered_per_number_per_day": (read_opt_int, _SAME),
    "call_connected_per_debtor_per_day": (read_opt_int, _SAME),
    "training_max_age_days": (read_opt_int, _SAME),
    "complaint_decide_days": (read_opt_int, _SAME),
    "complaint_complex_days": (read_opt_int, _SAME),
    "complaint_extension_days": (read_opt_int, _SAME),
    "promise_amount_tolerance": (read_decimal, str),
}
for _f in fields(Profile):
    if _f.name not in _CODECS and _f.name != "sources":
        _CODECS[_f.name] = (read_bool, _SAME) if _f.type == "bool" else (read_int, _SAME)


def _at_least(name: str, low: int, optional: bool = False) -> Callable[[Profile], str | None]:
    def check(p: Profile) -> str | None:
        value = getattr(p, name)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            return f"expected an integer >= {low}"
        return None

    return check


def _one_of(name: str, choices: tuple[str, ...]) -> Callable[[Profile], str | None]:
    return lambda p: None if getattr(p, name) in choices else f"expected one of {list(choices)}"


def _caps_ok(name: str) -> Callable[[Profile], str | None]:
    def check(p: Profile) -> str | None:
        bad = [c for c in getattr(p, name) if c.count < 0 or c.days < 1]
        return "each cap needs count >= 0 and days >= 1" if bad else None

    return check


_CHECKS: dict[str, Callable[[Profile], str | None]] = {
    "code": lambda p: None if isinstance(p.code, str) and p.code.strip() else "must not be blank",
    "two_person_min": _at_least("two_person_min", 1),
    "visit_caps": _caps_ok("visit_caps"),
    "call_caps": _caps_ok("call_caps"),
    "visit_interval_days": _at_least("visit_interval_days", 0),
    "visit_interval_severity": _one_of("visit_interval_severity", SEVERITIES),
    "call_unanswered_per_number_per_day": _at_least("call_unanswered_per_number_per_day", 0, True),
    "call_connected_per_debtor_per_day": _at_least("call_connected_per_debtor_per_day", 0, True),
    "call_silence_after_conversation_days": _at_least("call_silence_after_conversation_days", 0),
    "workplace_visits": _one_of("workplace_visits", ENFORCEMENTS),
    "sensitive_holds": _one_of("sensitive_holds", ENFORCEMENTS),
    "notice_hours": _at_least("notice_hours", 0),
    "training_max_age_days": _at_least("training_max_age_days", 1, True),
    "retention_years": _at_least("retention_years", 0),
    "promise_grace_days": _at_least("promise_grace_days", 0),
    "promise_max_days": _at_least("promise_max_days", 1),
    "complaint_decide_days": _at_least("complaint_decide_days", 1, True),
    "complaint_complex_days": _at_least("complaint_complex_days", 1, True),
    "complaint_extension_days": _at_least("complaint_extension_days", 0, True),
    "promise_amount_tolerance": lambda p: (
        None
        if isinstance(p.promise_amount_tolerance, Decimal) and 0 <= p.promise_amount_tolerance < 1
        else "expected a fraction of the promised amount, 0 <= x < 1"
    ),
}
