"""Daily route plans from the database: load a team's day, solve it, store and serve the plans.

Flask-free (services take a Session); the pure solver lives in server/routing/solver/.
"""

from .routes import NO_BASE, NO_COORDINATES, NO_LEGAL_WINDOW, SHORT_CREW, UnsafePlan
from .service import VehicleSummary, plan_routes, replan_for_visits
from .settings import routing_settings

__all__ = [
    "NO_BASE",
    "NO_COORDINATES",
    "NO_LEGAL_WINDOW",
    "SHORT_CREW",
    "UnsafePlan",
    "VehicleSummary",
    "plan_routes",
    "replan_for_visits",
    "routing_settings",
]
