"""The day's choice: which eligible cases to visit within a team's capacity, per arm."""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256

MODEL, HOLDOUT = "model", "holdout"


def arm_of(case_id: str, share: float, seed: int) -> str:
    """The case's arm, stable for a (seed, case id): HOLDOUT for a `share` of cases."""
    digest = sha256(f"{seed}:{case_id}".encode()).digest()
    return HOLDOUT if int.from_bytes(digest[:8], "big") / 2**64 < share else MODEL


@dataclass(frozen=True)
class Candidate:
    """One case the day could visit."""

    case_id: str
    arm: str
    expected_value: float | None  # None: no approved model scored it
    priority: int
    dpd: int
    override: str | None = None  # "include" / "exclude": a dispatcher's decision


def _rule_key(c: Candidate) -> tuple:
    return (-c.priority, -c.dpd, c.case_id)


def _model_key(c: Candidate) -> tuple:
    return (-(c.expected_value or 0.0), c.case_id)


def choose(candidates: list[Candidate], capacity: int) -> list[str]:
    """Case ids to visit: overrides first, then each arm's share of the capacity, the model arm
    by expected value (only where it is positive), the hold-out arm by today's rule."""
    chosen = [c.case_id for c in candidates if c.override == "include"][:capacity]
    open_ = [c for c in candidates if c.override is None]
    held = sorted((c for c in open_ if c.arm == HOLDOUT or c.expected_value is None),
                  key=_rule_key)
    modelled = sorted((c for c in open_ if c.arm == MODEL and c.expected_value is not None),
                      key=_model_key)
    left = max(capacity - len(chosen), 0)
    total = len(held) + len(modelled)
    held_cap = round(left * len(held) / total) if total else 0
    chosen += [c.case_id for c in held[:held_cap]]
    chosen += [c.case_id for c in modelled[:left - min(held_cap, len(held))]
               if c.expected_value > 0]
    return chosen
