"""Combine the profiles that apply to one case: for every parameter the strictest value wins."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any

from .intervals import normalize
from .params import RollingCap, windows_from_pieces
from .profiles import ENFORCEMENTS, Profile, ProfileInvalid

Combiner = Callable[[list[Any], Sequence[Profile]], Any]


def _union_quiet(values: list[Any], _: Sequence[Profile]) -> Any:
    # Quiet hours add up: the allowed hours left are the intersection of everyone's.
    return windows_from_pieces(
        normalize(p for windows in values for w in windows for p in w.pieces())
    )


def _tightest_caps(values: list[Any], _: Sequence[Profile]) -> Any:
    # Caps over different spans are not comparable (1 in 30 vs 2 in 7), so all of them apply;
    # a cap is dropped only when another is at least as tight in every respect.
    caps = sorted({cap for group in values for cap in group})

    def dominated(cap: RollingCap) -> bool:
        return any(
            other != cap
            and other.count <= cap.count
            and other.days >= cap.days
            and (cap.consent_exempt or not other.consent_exempt)
            for other in caps
        )

    return tuple(cap for cap in caps if not dominated(cap))


def _min_present(values: list[Any], _: Sequence[Profile]) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(values: list[Any], _: Sequence[Profile]) -> Any:
    return max(values)


def _any(values: list[Any], _: Sequence[Profile]) -> Any:
    return any(values)


def _strongest(values: list[Any], _: Sequence[Profile]) -> Any:
    return max(values, key=ENFORCEMENTS.index)


def _interval_severity(values: list[Any], profiles: Sequence[Profile]) -> Any:
    # Only profiles that have an interval rule have a say in how hard it bites.
    active = [p.visit_interval_severity for p in profiles if p.visit_interval_days > 0]
    return "block" if "block" in active else "warn"


def _joined(sep: str) -> Combiner:
    return lambda values, _: sep.join(values)


def _concat(values: list[Any], _: Sequence[Profile]) -> Any:
    return tuple(dict.fromkeys(ref for refs in values for ref in refs))


_COMBINERS: dict[str, Combiner] = {
    "code": _joined("+"),
    "name": _joined(" + "),
    "references": _concat,
    "quiet_hours": _union_quiet,
    "visit_caps": _tightest_caps,
    "call_caps": _tightest_caps,
    "visit_interval_severity": _interval_severity,
    "call_unanswered_per_number_per_day": _min_present,
    "call_connected_per_debtor_per_day": _min_present,
    "training_max_age_days": _min_present,
    "complaint_decide_days": _min_present,
    "complaint_complex_days": _min_present,
    "complaint_extension_days": _min_present,
    "workplace_visits": _strongest,
    "sensitive_holds": _strongest,
    # Larger grace and tolerance are stricter on the collector: a promise is called broken later.
    "promise_amount_tolerance": _max,
    "promise_grace_days": _max,
    "promise_max_days": _min_present,  # a shorter horizon is stricter
}
for _f in fields(Profile):
    if _f.name not in _COMBINERS and _f.name != "sources":
        _COMBINERS[_f.name] = _any if _f.type == "bool" else _max

_LABELS = ("code", "name", "references")


def merge_strictest(profiles: Sequence[Profile]) -> Profile:
    """Return one profile where each parameter is the strictest of `profiles`, with `sources`."""
    if not profiles:
        raise ProfileInvalid("no profile to merge", {"profiles": "at least one is needed"})
    merged: dict[str, Any] = {}
    sources: dict[str, tuple[str, ...]] = {}
    neutral = Profile(code="-", name="-")
    for name, combine in _COMBINERS.items():
        values = [getattr(p, name) for p in profiles]
        merged[name] = combine(values, profiles)
        if name in _LABELS:
            continue
        same = tuple(p.code for p in profiles if getattr(p, name) == merged[name])
        # A value built from several profiles (e.g. two quiet periods) names every contributor.
        sources[name] = same or tuple(
            p.code for p in profiles if getattr(p, name) != getattr(neutral, name)
        )
    return replace(profiles[0], **merged, sources=sources)
