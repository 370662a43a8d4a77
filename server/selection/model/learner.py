"""The uplift model: P(pay | visit) and P(pay | no visit), calibrated, and the amount paid.

A two-model learner (scikit-uplift's TwoModels) over LightGBM classifiers, each wrapped in
scikit-learn's isotonic CalibratedClassifierCV; the expected amount is a LightGBM regression of
the paid share of the balance among cases that paid. Reason codes are the per-feature
contributions (LightGBM's pred_contrib) of the visit model minus those of the no-visit model.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import joblib
import numpy as np
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.calibration import CalibratedClassifierCV
from sklift.models import TwoModels

from server.selection.model.features import FEATURES, INDEX, reason_code


@dataclass(frozen=True)
class Params:
    """Learner settings (fixed; not searched per training run)."""

    n_estimators: int = 150
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 40
    calibration_folds: int = 3
    threads: int = 2
    seed: int = 7


@dataclass(frozen=True)
class Scores:
    """What the model says about each row."""

    p_visit: np.ndarray
    p_no_visit: np.ndarray
    amount: np.ndarray  # expected amount paid, if the case pays

    @property
    def uplift(self) -> np.ndarray:
        return self.p_visit - self.p_no_visit

    def expected_value(self, visit_cost: float) -> np.ndarray:
        """uplift × expected amount − the visit's cost."""
        return self.uplift * self.amount - visit_cost


def _classifier(p: Params) -> CalibratedClassifierCV:
    base = LGBMClassifier(n_estimators=p.n_estimators, learning_rate=p.learning_rate,
                          num_leaves=p.num_leaves, min_child_samples=p.min_child_samples,
                          n_jobs=p.threads, random_state=p.seed, verbose=-1)
    return CalibratedClassifierCV(base, method="isotonic", cv=p.calibration_folds,
                                  ensemble=False)


CHUNK = 100_000  # rows per predict call when scoring


def _calibrated(calibrated: CalibratedClassifierCV, X: np.ndarray, threads: int) -> np.ndarray:
    """P(paid) of one calibrated arm: its booster's response through its isotonic map (what
    CalibratedClassifierCV.predict_proba(X)[:, 1] returns for a binary target). scikit-learn
    calibrates decision_function (the raw score) when the estimator has one, as LightGBM 4's
    classifier does, else predict_proba."""
    inner = calibrated.calibrated_classifiers_[0]
    raw = inner.estimator.booster_.predict(
        X, raw_score=hasattr(inner.estimator, "decision_function"), num_threads=threads)
    p = inner.calibrators[0].predict(raw)
    p[(p > 1.0) & (p <= 1.0 + 1e-5)] = 1.0
    return p


class UpliftModel:
    """Fit on (features, visited, paid, amount paid); score new cases; explain a score."""

    def __init__(self, params: Params | None = None):
        self.params = params or Params()
        self.features = FEATURES
        self._two: TwoModels | None = None
        self._amount: LGBMRegressor | None = None

    def fit(self, X: np.ndarray, visited: np.ndarray, paid: np.ndarray,
            amount: np.ndarray) -> UpliftModel:
        """Train both arms and the amount model; needs payers and non-payers in each arm."""
        X = np.asarray(X, dtype=np.float64)
        visited, paid = np.asarray(visited).astype(int), np.asarray(paid).astype(int)
        for arm in (0, 1):
            seen = set(np.unique(paid[visited == arm]))
            if seen != {0, 1}:
                raise ValueError("each arm needs cases that paid and cases that did not")
        p = self.params
        self._two = TwoModels(estimator_trmnt=_classifier(p), estimator_ctrl=_classifier(p),
                              method="vanilla")
        self._two.fit(X, paid, visited)
        payers = paid == 1
        share = np.clip(amount[payers] / np.maximum(X[payers, INDEX["balance"]], 1.0), 0, 1)
        self._amount = LGBMRegressor(n_estimators=p.n_estimators // 2, learning_rate=0.05,
                                     num_leaves=15, min_child_samples=p.min_child_samples,
                                     n_jobs=p.threads, random_state=p.seed, verbose=-1)
        self._amount.fit(X[payers], share)
        return self

    def score(self, X: np.ndarray) -> Scores:
        """Both probabilities and the expected amount of each row.

        The same numbers as the scikit-learn wrappers' predict_proba / predict, computed from the
        boosters and isotonic maps directly, in chunks of CHUNK rows with the learner's threads:
        no per-call validation copies of the whole matrix, and memory bounded by a chunk.
        """
        X = np.ascontiguousarray(X, dtype=np.float64)
        n, threads = len(X), self.params.threads
        p1, p0, share = np.empty(n), np.empty(n), np.empty(n)
        for start in range(0, n, CHUNK):
            part, end = X[start:start + CHUNK], min(start + CHUNK, n)
            p1[start:end] = _calibrated(self._two.estimator_trmnt, part, threads)
            p0[start:end] = _calibrated(self._two.estimator_ctrl, part, threads)
            share[start:end] = self._amount.booster_.predict(part, num_threads=threads)
        np.clip(share, 0.0, 1.0, out=share)
        return Scores(p1, p0, share * X[:, INDEX["balance"]])

    def reasons(self, X: np.ndarray, top: int = 3) -> list[list[str]]:
        """The `top` features that push each row's uplift most, as reason codes."""
        X = np.asarray(X, dtype=np.float64)
        contrib = self._contributions(self._two.estimator_trmnt, X) - \
            self._contributions(self._two.estimator_ctrl, X)
        order = np.argsort(-np.abs(contrib), axis=1)[:, :top]
        return [[reason_code(FEATURES[j], contrib[i, j]) for j in row]
                for i, row in enumerate(order)]

    @staticmethod
    def _contributions(calibrated: CalibratedClassifierCV, X: np.ndarray) -> np.ndarray:
        booster = calibrated.calibrated_classifiers_[0].estimator.booster_
        return booster.predict(X, pred_contrib=True)[:, :-1]  # last column: the bias

    def dumps(self) -> bytes:
        """The fitted model as bytes (kept in the model registry, read back by `loads`)."""
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(data: bytes) -> UpliftModel:
        """A model stored by `dumps` (only ever our own registry's bytes)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # sklearn's version notes
            return joblib.load(io.BytesIO(data))
