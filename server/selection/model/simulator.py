"""A seeded portfolio with known ground truth: who pays with and without a visit, and why.

The parameters below were fixed before any model was trained on them and are stated in
docs/selection.md; they are not tuned to make a model look good.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from server.selection.model.features import FEATURES, INDEX

SURE, PERSUADABLE, LOST, DO_NOT_DISTURB = 0, 1, 2, 3
TYPES = ("sure_thing", "persuadable", "lost_cause", "do_not_disturb")
SHARES = (0.25, 0.20, 0.45, 0.10)
P_PAY = {  # (without a visit, with a visit) within the horizon
    SURE: (0.80, 0.85), PERSUADABLE: (0.10, 0.60), LOST: (0.03, 0.06), DO_NOT_DISTURB: (0.45, 0.15)}
P_JITTER = 0.05  # per-case noise on both probabilities (normal, clipped)
SHUFFLED = 0.10  # share of cases whose features come from another random case (label noise)
VISIT_COST = 150.0  # one visit, in the portfolio's currency
# per type: gamma (shape, scale) of dpd; lognormal mean of the balance; trend mean; paid share
# (beta a, b); days since payment (exponential mean); promises kept, broken; reminders; answer
# rate; earlier visits; met rate; refusal rate; address verified; self-service actions
PROFILE = {
    SURE: ((2, 10), 8.5, -0.08, (3, 10), 30, 1.5, 0.3, 3.0, 0.60, 0.3, 0.6, 0.05, 0.70, 2.0),
    PERSUADABLE: ((3, 20), 8.5, -0.02, (1, 12), 80, 0.5, 1.5, 3.0, 0.45, 0.8, 0.6, 0.10, 0.75,
                  0.6),
    LOST: ((4, 40), 8.8, 0.02, (0.3, 20), 200, 0.1, 1.0, 1.5, 0.10, 1.2, 0.2, 0.30, 0.35, 0.1),
    DO_NOT_DISTURB: ((2.5, 15), 8.5, -0.05, (2, 10), 45, 1.2, 0.4, 3.0, 0.50, 0.6, 0.5, 0.60,
                     0.70, 1.5),
}


@dataclass(frozen=True)
class Portfolio:
    """Cases with features, the default rule's inputs, and both potential outcomes."""

    case_ids: np.ndarray  # str
    kind: np.ndarray  # SURE … DO_NOT_DISTURB
    X: np.ndarray  # len(FEATURES) columns, float64
    priority: np.ndarray  # the dispatcher's priority (0 … 4), today's rule sorts on it first
    p0: np.ndarray  # P(pay | no visit)
    p1: np.ndarray  # P(pay | visit)
    y0: np.ndarray  # paid without a visit (one draw)
    y1: np.ndarray  # paid with a visit (one draw, independent)
    amount: np.ndarray  # what the case pays when it pays
    treated: np.ndarray  # visited in the history (the old rule plus chance)
    y: np.ndarray  # what was observed: y1 if treated else y0

    @property
    def dpd(self) -> np.ndarray:
        return self.X[:, INDEX["dpd"]]

    @property
    def paid(self) -> np.ndarray:
        """The amount observed in the history."""
        return self.y * self.amount


def _features(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    n = len(kind)
    X = np.zeros((n, len(FEATURES)))
    col = {name: X[:, i] for name, i in INDEX.items()}  # views into X
    for k, p in PROFILE.items():
        m = kind == k
        c = int(m.sum())
        (shape, scale), bal_mu, trend, (pa, pb), since, kept, broken, rem, answer, visits, \
            met, refused, verified, selfserve = p
        dpd = np.clip(rng.gamma(shape, scale, c).round(), 1, 720)
        col["dpd"][m] = dpd
        col["bucket_level"][m] = np.minimum(np.ceil(dpd / 30), 6)
        balance = rng.lognormal(bal_mu, 0.8, c).round(2)
        col["balance"][m] = balance
        col["balance_trend"][m] = rng.normal(trend, 0.04, c)
        days = np.minimum(rng.exponential(since, c).round() + 1, 999)
        col["days_since_payment"][m] = days
        col["paid_90d"][m] = np.where(days < 90, (balance * rng.beta(pa, pb, c)).round(2), 0.0)
        col["promises_kept"][m] = rng.poisson(kept, c)
        col["promises_broken"][m] = rng.poisson(broken, c)
        col["reminders_delivered"][m] = rng.poisson(rem, c)
        calls = rng.poisson(5, c)
        col["calls_made"][m] = calls
        col["calls_answered"][m] = rng.binomial(calls, answer)
        prior = rng.poisson(visits, c)
        col["visits_prior"][m] = prior
        met_count = rng.binomial(prior, met)
        col["visits_met"][m] = met_count
        col["visits_refused"][m] = rng.binomial(prior - met_count, refused)
        col["address_verified"][m] = rng.random(c) < verified
        col["self_service_90d"][m] = rng.poisson(selfserve, c)
    col["distance_km"][:] = rng.exponential(12, n).round(1)
    return X


def simulate(n: int, seed: int, history_visit_share: tuple[float, float] = (0.25, 0.60)
             ) -> Portfolio:
    """`n` cases drawn from the fixed parameters; the history visited a case with the first
    share when dpd <= 60 and the second above (the old rule's bias, plus chance)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(len(TYPES), size=n, p=SHARES)
    X = _features(rng, kind)
    shuffled = rng.random(n) < SHUFFLED
    X[shuffled] = X[rng.integers(0, n, int(shuffled.sum()))]
    base = np.array([P_PAY[k] for k in range(len(TYPES))])
    p0 = np.clip(base[kind, 0] + rng.normal(0, P_JITTER, n), 0.005, 0.995)
    p1 = np.clip(base[kind, 1] + rng.normal(0, P_JITTER, n), 0.005, 0.995)
    y0 = rng.random(n) < p0
    y1 = rng.random(n) < p1
    amount = (X[:, INDEX["balance"]] * rng.beta(5, 3, n)).round(2)
    priority = rng.integers(0, 4, n) + (X[:, INDEX["balance"]] > 10_000)
    low, high = history_visit_share
    treated = rng.random(n) < np.where(X[:, INDEX["dpd"]] > 60, high, low)
    y = np.where(treated, y1, y0)
    ids = np.array([f"sim-{seed}-{i:07d}" for i in range(n)])
    return Portfolio(ids, kind, X, priority, p0, p1, y0.astype(np.int8), y1.astype(np.int8),
                     amount, treated.astype(np.int8), y.astype(np.int8))


def randomised(portfolio: Portfolio, seed: int, share: float = 0.5) -> Portfolio:
    """The same cases as a randomised trial: visited by a coin, not by the old rule."""
    rng = np.random.default_rng(seed)
    treated = (rng.random(len(portfolio.kind)) < share).astype(np.int8)
    y = np.where(treated == 1, portfolio.y1, portfolio.y0).astype(np.int8)
    return Portfolio(**{**portfolio.__dict__, "treated": treated, "y": y})


def todays_rule_score(portfolio: Portfolio) -> np.ndarray:
    """Today's order (priority first, then dpd) as one score, higher first."""
    return portfolio.priority * 10_000 + portfolio.dpd
