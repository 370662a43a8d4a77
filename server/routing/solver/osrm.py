"""OSRM table-service provider with a haversine fallback for gaps and outages."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import requests

from .matrix import HaversineProvider, as_points

log = logging.getLogger(__name__)


class OsrmError(RuntimeError):
    """OSRM could not produce a table and the provider was told not to fall back."""


class OsrmProvider:
    """Road distances/durations from an OSRM server's /table service, in blocks."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        *,
        profile: str = "driving",
        max_table_size: int = 100,
        fallback: HaversineProvider | None = None,
        raise_on_error: bool = False,
    ) -> None:
        if max_table_size < 2:
            raise ValueError("max_table_size must be at least 2")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # Created lazily by callers or here; never a network call at construction time.
        self.session = session or requests.Session()
        self.profile = profile
        # osrm-routed refuses a table with more than --max-table-size² sources x destinations
        # (default 100): blocks of up to that many sources by that many destinations.
        self.max_table_size = max_table_size
        self.fallback = fallback or HaversineProvider()
        self.raise_on_error = raise_on_error
        self.fallback_pairs = 0  # pairs estimated by haversine in the last matrices() call
        self.requests = 0  # table requests of the last matrices() call

    def matrices(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (distance_m, duration_s), both int64 NxN, for an (N, 2) array of [lat, lng]."""
        pts = as_points(points)
        n = len(pts)
        dist = np.zeros((n, n), dtype=np.int64)
        dur = np.zeros((n, n), dtype=np.int64)
        self.fallback_pairs = self.requests = 0
        if n == 0:
            return dist, dur
        # The limit bounds sources and destinations, not the coordinates sent: a block of L
        # sources by L destinations is one request, so n points take ceil(n / L)² of them
        # (half-size blocks took four times as many).
        block = min(n, self.max_table_size)
        starts = range(0, n, block)
        for i in starts:
            for j in starts:
                rows, cols = np.arange(i, min(i + block, n)), np.arange(j, min(j + block, n))
                d, t = self._block(pts, rows, cols)
                dist[np.ix_(rows, cols)] = d
                dur[np.ix_(rows, cols)] = t
        np.fill_diagonal(dist, 0)
        np.fill_diagonal(dur, 0)
        return dist, dur

    def _block(
        self, pts: np.ndarray, rows: np.ndarray, cols: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One table request for rows x cols, with nulls (unroutable pairs) estimated."""
        same = rows[0] == cols[0]
        idx = rows if same else np.concatenate([rows, cols])
        src = range(len(rows))
        dst = src if same else range(len(rows), len(idx))
        # OSRM wants longitude first: "lng,lat;lng,lat".
        coords = ";".join(f"{pts[k, 1]:.6f},{pts[k, 0]:.6f}" for k in idx)
        # Query built by hand: OSRM's own examples use literal ';' and ',', not %3B / %2C.
        url = (
            f"{self.base_url}/table/v1/{self.profile}/{coords}"
            f"?annotations=duration,distance"
            f"&sources={';'.join(map(str, src))}&destinations={';'.join(map(str, dst))}"
        )
        est_d, est_t = self.fallback.estimate(pts[rows], pts[cols])
        self.requests += 1
        try:
            body = self._get(url)
            d = _as_float(body.get("distances"), est_d.shape)
            t = _as_float(body.get("durations"), est_t.shape)
        except OsrmError:
            if self.raise_on_error:
                raise
            log.warning("OSRM table failed; using haversine for %dx%d", len(rows), len(cols))
            self.fallback_pairs += est_d.size
            return est_d, est_t
        missing = np.isnan(d) | np.isnan(t)
        self.fallback_pairs += int(missing.sum())
        d = np.where(missing, est_d, np.rint(np.nan_to_num(d)))
        t = np.where(missing, est_t, np.rint(np.nan_to_num(t)))
        return d.astype(np.int64), t.astype(np.int64)

    def _get(self, url: str) -> dict[str, Any]:
        """GET the table and return its JSON body, raising OsrmError on any failure."""
        try:
            resp = self.session.get(url, timeout=self.timeout)
            resp.raise_for_status()
            body = resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise OsrmError(f"OSRM table request failed: {exc}") from exc
        if body.get("code") != "Ok":
            raise OsrmError(f"OSRM answered {body.get('code')}: {body.get('message', '')}")
        return body


def _as_float(table: list | None, shape: tuple[int, int]) -> np.ndarray:
    """Turn an OSRM table (None for unroutable pairs) into floats with NaN for gaps."""
    if table is None:
        return np.full(shape, np.nan)
    try:
        # JSON already costs a Python object per cell; this pass just maps null -> NaN.
        out = np.array([[np.nan if v is None else v for v in row] for row in table], dtype=float)
    except (TypeError, ValueError) as exc:
        raise OsrmError(f"OSRM table is malformed: {exc}") from exc
    if out.shape != shape:
        raise OsrmError(f"OSRM table has shape {out.shape}, expected {shape}")
    return out
