"""How good a targeting is: Qini / AUUC, visits to recover 95 %, arm comparisons, drift (PSI)."""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager

import numpy as np
from sklift.metrics import qini_auc_score, uplift_auc_score


@contextmanager
def _quiet_sklift():
    # scikit-uplift 0.5.1 calls sklearn's stable_cumsum, deprecated in scikit-learn 1.8
    # (docs/decisions.md, D-selection-uplift); the numbers are unaffected.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*stable_cumsum.*", category=FutureWarning)
        yield


def qini(paid: np.ndarray, score: np.ndarray, visited: np.ndarray) -> float:
    """Normalised Qini coefficient of a score on randomised data (1 = perfect, 0 = random)."""
    with _quiet_sklift():
        return float(qini_auc_score(paid, score, visited))


def auuc(paid: np.ndarray, score: np.ndarray, visited: np.ndarray) -> float:
    """Normalised area under the uplift curve on randomised data."""
    with _quiet_sklift():
        return float(uplift_auc_score(paid, score, visited))


def recovery_curve(order: np.ndarray, with_visit: np.ndarray,
                   without_visit: np.ndarray) -> np.ndarray:
    """Money recovered when the first k cases of `order` are visited, for k = 0 … n."""
    gain = (with_visit - without_visit)[order]
    return without_visit.sum() + np.concatenate(([0.0], np.cumsum(gain)))


def visits_to_recover(order: np.ndarray, with_visit: np.ndarray, without_visit: np.ndarray,
                      share: float = 0.95) -> int:
    """The fewest visits, taken in `order`, that recover `share` of visiting every case."""
    curve = recovery_curve(order, with_visit, without_visit)
    target = share * curve[-1]
    return int(np.argmax(curve >= target - 1e-9))


def mean_ci(values: np.ndarray, z: float = 1.96) -> tuple[float, float, float]:
    """Mean with a normal-approximation 95 % interval."""
    n = len(values)
    if n == 0:
        return (0.0, 0.0, 0.0)
    mean = float(np.mean(values))
    half = z * float(np.std(values, ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    return (mean, mean - half, mean + half)


def ratio_ci(numerators: np.ndarray, denominators: np.ndarray, seed: int = 0,
             rounds: int = 500) -> tuple[float, float, float]:
    """sum(num) / sum(den) with a bootstrap 95 % interval over the cases (recovery per visit)."""
    n, den = len(numerators), float(np.sum(denominators))
    if n == 0 or den == 0:
        return (0.0, 0.0, 0.0)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, (rounds, n))
    d = denominators[picks].sum(axis=1)
    boot = np.divide(numerators[picks].sum(axis=1), d, out=np.zeros(rounds), where=d > 0)
    low, high = np.percentile(boot, [2.5, 97.5])
    return (float(np.sum(numerators)) / den, float(low), float(high))


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of one feature: training sample vs today's cases."""
    expected, actual = np.asarray(expected, float), np.asarray(actual, float)
    if len(expected) == 0 or len(actual) == 0:
        return 0.0
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return 0.0
    inner = edges[1:-1]
    e = np.bincount(np.searchsorted(inner, expected, side="right"), minlength=len(edges) - 1)
    a = np.bincount(np.searchsorted(inner, actual, side="right"), minlength=len(edges) - 1)
    e = np.maximum(e / e.sum(), 1e-4)
    a = np.maximum(a / a.sum(), 1e-4)
    return float(np.sum((a - e) * np.log(a / e)))
