"""Field verification: does a check-in confirm the address, and where do check-ins say it is?"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from geopy.distance import geodesic

VERIFIED, FAR, INCONCLUSIVE = "verified", "far", "inconclusive"

DEFAULT_RADIUS_M = 100.0  # a house and its doorstep, stairwell or gate
MAX_RADIUS_M = 500.0  # beyond this a "match" would verify a neighbourhood, not an address
MAX_CHECKIN_ACCURACY_M = 150.0  # worse fixes (cell towers, indoors) prove nothing either way


@dataclass(frozen=True)
class CheckInAssessment:
    """The verdict for one check-in, with the numbers behind it."""

    verdict: str  # 'verified' | 'far' | 'inconclusive'
    distance_m: float | None  # None when judged without it (check_in_verdict)
    allowed_m: float


@dataclass(frozen=True)
class Fix:
    """A GPS fix from a check-in (WGS-84); visit_id groups the fixes of one visit."""

    lat: float
    lng: float
    accuracy_m: float
    visit_id: Hashable | None = None


@dataclass(frozen=True)
class Correction:
    """Where consistent check-ins put the address instead, and how well they agree."""

    lat: float
    lng: float
    accuracy_m: float
    support: int  # check-ins in the cluster
    visits: int  # distinct visits among them


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Geodesic (WGS-84 ellipsoid) distance in metres."""
    return geodesic((lat1, lng1), (lat2, lng2)).meters


# A sphere of the mean radius is within 0.6 % of the WGS-84 geodesic at any distance; outside
# that margin the sphere's answer to "within x metres?" is the geodesic's, at 1 % of the cost.
_MEAN_RADIUS_M = 6_371_008.8
_SPHERE_ERROR = 0.01


def _sphere_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2)
    return 2 * _MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def within_m(lat1: float, lng1: float, lat2: float, lng2: float, limit_m: float) -> bool:
    """`distance_m(...) <= limit_m`, computing the geodesic only when the sphere can't tell."""
    rough = _sphere_m(lat1, lng1, lat2, lng2)
    if rough * (1 + _SPHERE_ERROR) <= limit_m:
        return True
    if rough * (1 - _SPHERE_ERROR) > limit_m:
        return False
    return distance_m(lat1, lng1, lat2, lng2) <= limit_m


def allowed_distance_m(
    address_accuracy_m: float,
    checkin_accuracy_m: float,
    radius_m: float = DEFAULT_RADIUS_M,
    max_radius_m: float = MAX_RADIUS_M,
) -> float:
    """The accuracy-aware radius: base radius plus both uncertainties, capped."""
    return min(radius_m + max(address_accuracy_m, 0.0) + max(checkin_accuracy_m, 0.0), max_radius_m)


def assess_check_in(
    address_lat: float,
    address_lng: float,
    address_accuracy_m: float,
    checkin_lat: float,
    checkin_lng: float,
    checkin_accuracy_m: float,
    radius_m: float = DEFAULT_RADIUS_M,
    max_radius_m: float = MAX_RADIUS_M,
    max_checkin_accuracy_m: float = MAX_CHECKIN_ACCURACY_M,
    *,
    exact: bool = True,
) -> CheckInAssessment:
    """Verdict 'verified' (within the allowed radius), 'far', or 'inconclusive' (vague fix).

    `exact=False` skips the geodesic distance when the verdict doesn't need it (the distance is
    then None): what bulk paths judging thousands of check-ins use, via `check_in_verdict`.
    """
    allowed = allowed_distance_m(address_accuracy_m, checkin_accuracy_m, radius_m, max_radius_m)
    inconclusive = checkin_accuracy_m > max_checkin_accuracy_m
    if exact:
        exact_m = distance_m(address_lat, address_lng, checkin_lat, checkin_lng)
        distance, near = round(exact_m, 1), exact_m <= allowed
    else:
        distance = None
        near = not inconclusive and within_m(address_lat, address_lng, checkin_lat, checkin_lng,
                                             allowed)
    verdict = INCONCLUSIVE if inconclusive else VERIFIED if near else FAR
    return CheckInAssessment(verdict, distance, allowed)


def check_in_verdict(*args: float, **kwargs: float) -> str:
    """`assess_check_in(...).verdict` (same arguments) without the exact distance."""
    return assess_check_in(*args, exact=False, **kwargs).verdict


def _centre(fixes: list[Fix]) -> tuple[float, float, float]:
    """Inverse-variance weighted mean of fixes and its own 1-sigma radius."""
    weights = [1.0 / max(f.accuracy_m, 5.0) ** 2 for f in fixes]
    total = sum(weights)
    lat = sum(w * f.lat for w, f in zip(weights, fixes, strict=True)) / total
    lng = sum(w * f.lng for w, f in zip(weights, fixes, strict=True)) / total
    return lat, lng, math.sqrt(1.0 / total)


def propose_correction(
    check_ins: Iterable[Fix],
    *,
    min_check_ins: int = 3,
    min_visits: int = 2,
    min_share: float = 0.6,
    cluster_radius_m: float = DEFAULT_RADIUS_M,
    max_checkin_accuracy_m: float = MAX_CHECKIN_ACCURACY_M,
) -> Correction | None:
    """Propose where the address really is when enough far-away check-ins agree, else None.

    Two collectors on one visit are one observation, so `min_visits` distinct visits are
    required besides `min_check_ins` fixes; and the cluster must hold `min_share` of the
    usable fixes, so check-ins split between two places (home, work) propose nothing.
    """
    fixes = [f for f in check_ins if f.accuracy_m <= max_checkin_accuracy_m]
    if len(fixes) < min_check_ins:
        return None

    def members(lat: float, lng: float) -> list[Fix]:
        return [f for f in fixes if within_m(lat, lng, f.lat, f.lng, cluster_radius_m)]

    best = max((members(f.lat, f.lng) for f in fixes), key=len)
    lat, lng, sigma = _centre(best)
    cluster = members(lat, lng)  # re-gather around the centre rather than around one fix
    if not cluster:
        return None
    lat, lng, sigma = _centre(cluster)
    visits = len({f.visit_id if f.visit_id is not None else id(f) for f in cluster})
    if len(cluster) < min_check_ins or visits < min_visits or len(cluster) < min_share * len(fixes):
        return None
    spread = max(distance_m(lat, lng, f.lat, f.lng) for f in cluster)
    typical = statistics.median(f.accuracy_m for f in cluster)
    accuracy = max(spread, sigma, typical / math.sqrt(len(cluster)), 5.0)
    return Correction(round(lat, 7), round(lng, 7), round(accuracy, 1), len(cluster), visits)
