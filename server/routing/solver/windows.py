"""Visit windows: merge intervals and keep those some eligible collector can actually use."""

from __future__ import annotations

import numpy as np

from .model import DAY_S, Stop


def merge(windows: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching intervals; no windows means the whole day."""
    if not windows:
        return [(0, DAY_S)]
    out: list[tuple[int, int]] = []
    for early, late in sorted(windows):
        if out and early <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], late))
        else:
            out.append((early, late))
    return out


def usable_windows(
    stop: Stop,
    shift_start: np.ndarray,
    shift_end: np.ndarray,
    max_duration: np.ndarray,
    reach_s: np.ndarray,
    back_s: np.ndarray,
) -> list[tuple[int, int]]:
    """Windows (clipped to the shifts) in which at least one eligible collector can serve.

    The arrays are per eligible collector: shift bounds, duration cap, travel time from its
    start point to the stop and from the stop to its end point. A window is usable if a
    direct start -> stop -> end trip fits it, so anything dropped here is impossible for
    any route, not merely unattractive.
    """
    kept = []
    for early, late in merge(stop.windows):
        arrive = np.maximum(shift_start + reach_s, early)
        home = arrive + stop.service_s + back_s
        ok = (
            (arrive <= late)
            & (home <= shift_end)
            & (reach_s + stop.service_s + back_s <= max_duration)
        )
        if ok.any():
            # No visit can start before any shift starts or after every shift ends.
            kept.append((max(early, int(shift_start.min())), min(late, int(shift_end.max()))))
    return kept
