"""Matrix provider and search budget from the app config (the mapping config.py builds)."""

from __future__ import annotations

from collections.abc import Mapping

from server.routing.solver import Budget, HaversineProvider, MatrixProvider, OsrmProvider


def routing_settings(
    config: Mapping, max_runtime_s: float | None = None
) -> tuple[MatrixProvider, Budget]:
    """The configured travel matrices (OSRM with a haversine fallback, or haversine) and the
    per-route budget: ROUTING_MAX_ITERATIONS, capped at ROUTING_MAX_RUNTIME_S seconds, ended
    early after ROUTING_STALL_PER_STOP x stops x stops / 40 (50 to ROUTING_STALL_ITERATIONS)
    iterations
    without improvement (ROUTING_STALL_ITERATIONS 0: never; ROUTING_STALL_PER_STOP 0: fixed)."""
    estimate = HaversineProvider(
        detour_factor=config.get("ROUTING_DETOUR_FACTOR", 1.3),
        speed_kmh=config.get("ROUTING_SPEED_KMH", 25.0),
    )
    provider: MatrixProvider = estimate
    if config.get("ROUTING_MATRIX") == "osrm" and config.get("OSRM_URL"):
        provider = OsrmProvider(config["OSRM_URL"], fallback=estimate,
                                max_table_size=config.get("OSRM_MAX_TABLE_SIZE", 100))
    budget = Budget(
        max_iterations=config.get("ROUTING_MAX_ITERATIONS", 2_000),
        max_runtime_s=max_runtime_s or config.get("ROUTING_MAX_RUNTIME_S", 5.0),
        seed=0,
        stall_iterations=config.get("ROUTING_STALL_ITERATIONS") or None,
        stall_per_stop=config.get("ROUTING_STALL_PER_STOP", 5),
    )
    return provider, budget
