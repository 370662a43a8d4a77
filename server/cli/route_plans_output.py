"""Console lines for planning runs: one per vehicle as it is solved, and a summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from server.models import RoutePlan
from server.routing.service import VehicleSummary


def progress_printer(echo: Callable[[str], None]) -> Callable[[VehicleSummary], None]:
    """A progress callback that prints one line per collector or pair."""

    def report(s: VehicleSummary) -> None:
        who = " + ".join(s.usernames) + (" (pair)" if len(s.usernames) > 1 else "")
        must = f" ({s.mandatory_dropped} mandatory)" if s.mandatory_dropped else ""
        echo(f"  {who}: {s.stops} stops, {s.dropped} dropped{must}, "
             f"{s.distance_m / 1000:.1f} km, {s.runtime_s:.2f} s")

    return report


def summary_line(plans: Sequence[RoutePlan], day) -> str:
    """Totals over the stored plans (a pair's shared route counted once)."""
    routes = {p.solver.get("vehicle", p.collector_id): p for p in plans}
    dropped = {d["visit_id"]: d for p in plans for d in p.dropped}
    km = sum(p.total_distance_m for p in routes.values()) / 1000
    runtime = sum(p.solver.get("runtime_s", 0.0) for p in routes.values())
    must = sum(1 for d in dropped.values() if d["mandatory"])
    return (f"planned {len(routes)} routes for {len(plans)} collectors on {day.isoformat()}: "
            f"{len(dropped)} visits dropped ({must} mandatory), {km:.1f} km, "
            f"solver {runtime:.2f} s")
