"""Route planning for collectors: travel matrices, the day model, and the PyVRP solver adapter.

Pure Python + numpy + PyVRP; no Flask and no database here (the service layer feeds it).
"""

from .matrix import HaversineProvider, MatrixProvider, haversine_m
from .model import Budget, Collector, Point, Problem, Stop
from .osrm import OsrmError, OsrmProvider
from .plan import DroppedStop, Plan, Route, RoutingFailed, Visit
from .search import solve

__all__ = [
    "Budget",
    "Collector",
    "DroppedStop",
    "HaversineProvider",
    "MatrixProvider",
    "OsrmError",
    "OsrmProvider",
    "Plan",
    "Point",
    "Problem",
    "Route",
    "RoutingFailed",
    "Stop",
    "Visit",
    "haversine_m",
    "solve",
]
