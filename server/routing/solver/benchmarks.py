"""VRPLIB benchmark adapter (Solomon VRPTW, Cordeau MDVRPTW) shared by tests and bench."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pyvrp

from .model import Budget
from .search import run

# The repo sits next to the shared folder (…/main and …/shared); the env var overrides it.
_DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SOLOMON_CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


def data_dir() -> Path:
    """The routing benchmark folder: $DOORSTEP_SHARED_DATA/routing or ../shared/data/routing."""
    return Path(os.environ.get("DOORSTEP_SHARED_DATA", _DEFAULT_SHARED)) / "routing"


@dataclass(frozen=True)
class Instance:
    """A benchmark instance, its best-known cost and the scale of PyVRP's integer costs."""

    name: str
    data: pyvrp.ProblemData
    bks: float
    scale: int  # PyVRP cost / scale is comparable with bks


@dataclass(frozen=True)
class Outcome:
    """One benchmark solve."""

    name: str
    cost: float
    bks: float
    feasible: bool
    runtime_s: float

    @property
    def gap_pct(self) -> float:
        """Percentage above the best-known cost (negative would mean a new record)."""
        return 100.0 * (self.cost - self.bks) / self.bks


def instance_names(family: str = "solomon") -> list[str]:
    """Instance names of a family folder, sorted (C101, C102, …)."""
    return sorted(p.stem for p in (data_dir() / family).glob("*.vrp"))


def solomon_class(name: str) -> str:
    """The Solomon class of an instance name: C101 -> C1, RC208 -> RC2."""
    match = re.fullmatch(r"([A-Z]+)(\d)\d\d", name)
    if not match:
        raise ValueError(f"not a Solomon instance name: {name}")
    return match.group(1) + match.group(2)


def load(name: str, family: str = "solomon") -> Instance:
    """Read NAME.vrp/.sol; Solomon uses the DIMACS x10-truncated convention (one decimal)."""
    folder = data_dir() / family
    # DIMACS: distances x10 and truncated, so BKS with one decimal compare exactly.
    # Cordeau's MDVRPTW BKS in this set are already x1000 integers ("exact" rounding).
    round_func, scale = ("dimacs", 10) if family == "solomon" else ("exact", 1000)
    data = pyvrp.read(folder / f"{name}.vrp", round_func=round_func)
    text = (folder / f"{name}.sol").read_text()
    match = re.search(r"Cost:?\s*([0-9.]+)\s*$", text)
    if not match:
        raise ValueError(f"{name}.sol has no trailing 'Cost <bks>' line")
    bks = float(match.group(1))
    if family != "solomon":
        bks /= scale
    return Instance(name, data, bks, scale)


def solve_instance(instance: Instance, budget: Budget) -> Outcome:
    """Solve with the same search settings as the planner; cost is the distance objective."""
    start = time.perf_counter()
    result = run(instance.data, budget)
    elapsed = time.perf_counter() - start
    best = result.best
    return Outcome(
        instance.name, best.distance() / instance.scale, instance.bks, best.is_feasible(), elapsed
    )
